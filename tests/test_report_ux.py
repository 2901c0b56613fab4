"""The report and the index as their readers meet them: the report's order (card, what is
wrong, the draft, charts, tables, data), Chinese headers instead of internal keys, numbers as
printed, links to the data files beside it, no developer notes, 行 for a text dump; budgets in
budget wording; the index sorts, filters and draws offline and says in Chinese why a file
failed; report folders readable by others; a batch's progress bar names documents and is
never broken by the kernel's warning; the teaching notebook in Chinese."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from conftest import SAMPLE, charts_drawn, docs_folder, render_offline

from finacct import batch, charts, load
from finacct.report import index, paths, sections
from finacct.report.build import NOTEBOOKS, Job, build

DATA_FILES = ("disclosure.json", "disclosure.xlsx", "findings.json", "claims.json")


def _at(page: str, anchor: str, start: int = 0) -> int:
    """Where the element with id `anchor` is (nbconvert may re-quote attributes)."""
    m = re.compile(rf"id=[\"']{anchor}[\"']").search(page, start)
    if m is None:
        raise ValueError(f"no id {anchor}")
    return m.start()


def _section(page: str, start: str, end: str | None) -> str:
    """The HTML from the heading with id `start` to the one with id `end`."""
    a = _at(page, start)
    return page[a:_at(page, end, a)] if end else page[a:]


def _has_id(page: str, anchor: str) -> bool:
    return re.search(rf"id=[\"']{anchor}[\"']", page) is not None


def _visible(page: str) -> str:
    return _text(re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S))


def _text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", " ", fragment)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample (a text dump: positions are line numbers) built into a report folder."""
    return Path(build(Job(str(SAMPLE), str(tmp_path_factory.mktemp("reports")))).dir)


@pytest.fixture(scope="module")
def corpus_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A final, a budget, the sample, and three files that cannot be read, batched."""
    src = docs_folder(tmp_path_factory.mktemp("docs"), "putuo_finance_2024.pdf", "putuo_district_office_2025_budget.pdf")
    (src / "empty.pdf").write_bytes(b"")
    (src / "notes.txt").write_text("会议纪要\n今天讨论了办公室的搬迁安排。\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    batch.run(src, out, workers=2, progress=False, store=False)
    return out


# -- item 2: the report ----------------------------------------------------------------------------
def test_report_reads_card_then_errors_then_draft_then_charts_then_tables(sample_report: Path) -> None:
    page = (sample_report / "report.html").read_text(encoding="utf-8")
    order = [page.index("fa-cards"), _at(page, "problems"), page.index("错误（2）"), page.index("尾数误差（25）"), _at(page, "draft"),
             page.index("部门决算情况说明（草稿）"), _at(page, "charts"), _at(page, "tables"), _at(page, "performance"), _at(page, "data")]
    assert order == sorted(order)
    errors = _text(_section(page, "problems", "draft"))
    assert "“正产运转”应为“正常运转”" in errors and "962" in errors      # the error, with the line it is on
    assert "error" not in errors and "rounding" not in errors and "错误" in errors and "尾数" in errors   # statuses in Chinese
    draft = _text(_section(page, "draft", "charts"))
    assert "完成年初预算的118.54%" in draft and "增加" in draft


def test_tables_have_chinese_headers_printed_numbers_and_fold(sample_report: Path) -> None:
    page = (sample_report / "report.html").read_text(encoding="utf-8")
    tables = _section(page, "tables", "performance")
    assert tables.count("<details") == 9 and "九张决算表" in tables
    heads = set(re.findall(r"<th[^>]*>([^<]*)</th>", tables))
    assert {"科目编码", "科目名称", "合计", "基本支出", "项目支出", "财政拨款收入", "决算数", "人员经费", "公用经费", "收入", "支出",
            "公务接待费", "因公出国（境）费"} <= heads
    for key in ("row", "level", "parent", "appropriation", "superior_subsidy", "basic", "project", "amount", "total",
                "inc.general_budget", "exp.201", "vehicle_total", "NaN", "budget_initial"):
        assert key not in heads and f">{key}<" not in tables
    assert "inc.general_budget" not in tables and "exp.201" not in tables
    assert "6,901.84" in tables and "5,309.93" in tables and "1,105.78" in tables and "6901.84<" not in tables
    assert re.search(r"<td>2010301</td><td><span[^>]*>行政运行</span></td>", tables)   # the code beside the printed name
    perf = _section(page, "performance", "data")
    assert {"年初预算数", "全年预算数", "全年执行数", "执行率（%）"} <= set(re.findall(r"<th[^>]*>([^<]*)</th>", perf))
    assert "NaN" not in perf and "budget_initial" not in perf and "deviation_note" not in perf


def test_data_files_are_linked_and_resolve(sample_report: Path) -> None:
    page = (sample_report / "report.html").read_text(encoding="utf-8")
    links = re.findall(r"<a href=[\"']([^\"']+)[\"']>", _section(page, "data", None))
    assert sorted(links) == sorted(DATA_FILES)
    for link in links:
        assert (sample_report / link).is_file() and (sample_report / link).stat().st_size > 100
    assert json.loads((sample_report / "findings.json").read_text(encoding="utf-8"))["findings"]


def test_no_developer_notes_and_no_english_labels(sample_report: Path) -> None:
    page = _visible((sample_report / "report.html").read_text(encoding="utf-8"))
    for dev in ("findings.cells", "finacct.report", "sections", "papermill", "parameters", "checks", "status", "message",
                "pages", "warnings", "由 finacct 生成。"):
        assert dev not in page
    nb = nbformat.read(NOTEBOOKS / "department_report.ipynb", as_version=4)
    prose = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert prose and "`" not in prose and "finacct.report" not in prose and "findings." not in prose


def test_a_text_dump_says_lines_and_shows_its_extraction_warnings(sample_report: Path) -> None:
    page = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "行号" in page and "第92行" in page and "第92页" not in page and "页码" not in page and "本文件为文本转存" in page
    problems = _section(page, "problems", "draft")
    assert "<summary>提取警告（1）</summary>" in problems and "文本转存" in problems and "source is a text dump" not in problems


def test_a_pdf_says_pages_and_a_budget_reads_as_a_budget(corpus_batch: Path) -> None:
    final = (corpus_batch / "上海市普陀区财政局" / "2024" / "report.html").read_text(encoding="utf-8")
    assert "页码" in final and "行号" not in final
    page = (corpus_batch / "上海市普陀区人民政府办公室" / "2025-budget" / "report.html").read_text(encoding="utf-8")
    assert "年度部门预算 · finacct 报告" in page and "部门预算说明（草稿）" in page and "九张预算表" in page
    assert not _has_id(page, "performance") and "决算表" not in _section(page, "tables", "data")
    assert "预算数" in set(re.findall(r"<th[^>]*>([^<]*)</th>", _section(page, "tables", "data")))


def test_charts_fill_the_page_with_plain_amount_axes(sample_report: Path) -> None:
    d = load(SAMPLE)
    for name, chart in charts.all_charts(d).items():
        spec = json.dumps(chart.to_dict(), ensure_ascii=False)
        assert '"format": ",.2f"}' not in spec.replace('"title"', ""), name   # tooltips keep 2 decimals, axes do not
        assert not re.search(r'"axis": \{[^}]*"format": ",\.2f"', spec), name
    page = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "finacctEmbed(" in page and 'spec.width = "container"' in page
    dom = render_offline(sample_report / "report.html")
    widths = [float(m[1]) for tag in re.findall(r"<svg[^>]*>", dom) if 'class="marks"' in tag for m in [re.search(r' width="([\d.]+)"', tag)] if m]
    assert widths and max(widths) >= 600   # the chrome window is 800 px wide: charts take its width, not altair's 300


def test_the_report_exporter_writes_what_nbconverts_own_would(sample_report: Path) -> None:
    """ReportExporter skips only HTMLExporter's BeautifulSoup pass (alt text, tabindex): the
    same notebook through both, parsed alike, is the same page — an nbconvert that changes
    what its exporter does besides would show here."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from finacct.report.html import _exporter
    nb = nbformat.read(sample_report / "report.ipynb", as_version=4)
    ours = _exporter()
    theirs = HTMLExporter(config=ours.config, **{k: getattr(ours, k) for k in ("template_name", "exclude_input", "exclude_input_prompt", "language_code",
                                                                                "exclude_output_prompt", "exclude_anchor_links")})
    for pre in ours._preprocessors:
        theirs.register_preprocessor(pre, enabled=True)

    def parsed(exporter: HTMLExporter) -> str:
        soup = BeautifulSoup(exporter.from_notebook_node(nb, resources={"metadata": {"name": "x"}})[0], "html.parser")
        for tag in soup.find_all(True):
            tag.attrs.pop("tabindex", None)
            tag.attrs.pop("alt", None)
        return str(soup)
    assert parsed(ours) == parsed(theirs)


def test_reports_link_one_shared_script_and_style_and_draw_offline(sample_report: Path, corpus_batch: Path) -> None:
    """The Vega libraries and the notebook's styles are written once per reports folder, in
    _static/, and linked relatively from where each report is (a <year> or <year>-budget
    folder): every chart is drawn offline and each page stays under 400 KB."""
    for page in (sample_report / "report.html", corpus_batch / "上海市普陀区人民政府办公室" / "2025-budget" / "report.html"):
        text = page.read_text(encoding="utf-8")
        shared = re.findall(r"<(?:script src|link rel=\"stylesheet\" href)=\"([^\"]+)\"", text)
        assert [Path(link).parent.as_posix() for link in shared] == ["../../_static"] * 2, page
        assert all((page.parent / link).is_file() for link in shared)
        assert page.stat().st_size <= 400 * 1024
        charts, drawn = charts_drawn(render_offline(page))
        assert charts >= 2 and drawn == charts, page
    assert sorted(p.name.split("-")[0] for p in (corpus_batch / "_static").iterdir()) == ["notebook", "vega"]


# -- item 3: the index ------------------------------------------------------------------------------------
def test_index_is_a_sortable_filterable_front_page_with_charts(corpus_batch: Path, tmp_path: Path) -> None:
    page = (corpus_batch / "index.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page          # nothing from a CDN
    assert "addEventListener('click'" in page and "id=\"q\"" in page and "id=\"kind\"" in page
    for head in ("部门", "年度", "类型", "收支总计", "“三公”经费", "错误", "读到的表", "表齐全"):
        assert f">{head}</th>" in page
    dom = render_offline(corpus_batch / "index.html")
    assert dom.count("<tr data-kind=") == 3 and dom.count("<svg") >= 2 and "核对错误数（按文件）" in dom and "“三公”经费（按部门" in dom
    assert ">预算</td>" in dom and ">决算</td>" in dom
    # click 年度 once (ascending), then filter on one department: the script sorts and hides rows
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", """<script>
document.querySelectorAll('#docs th')[1].click();
var q = document.getElementById('q'); q.value = '财政局'; q.dispatchEvent(new Event('input'));
</script></body>"""), encoding="utf-8")
    shutil.copytree(corpus_batch, tmp_path / "site", ignore=shutil.ignore_patterns("*.duckdb"))
    shutil.move(probe, tmp_path / "site" / "probe.html")
    probed = render_offline(tmp_path / "site" / "probe.html")
    body = probed[probed.index("<tbody>"):probed.index("</tbody>")]
    rows = re.findall(r"<tr([^>]*)>.*?</tr>", body, re.S)
    years = re.findall(r"<td class=\"n\">(\d{4})</td>", body)
    assert years == sorted(years) and len(years) == 3
    assert sum("hidden" not in r for r in rows) == 1 and 'id="shown">1<' in probed


def test_index_gives_failure_reasons_in_chinese(corpus_batch: Path) -> None:
    page = (corpus_batch / "index.html").read_text(encoding="utf-8")
    failed = page[page.index("未能处理的文件"):]
    assert "PDF 文件不完整（被截断）" in failed and "文件为空" in failed and "不是部门决算或部门预算公开文件" in failed
    assert ">UnreadableError" not in failed and "truncated" in failed     # the English original only in the tooltip
    assert index.reason_zh("timed out after 300 s") == "处理超时（超过 300 秒）"
    assert "内存" in index.reason_zh("worker died (SIGKILL); memory limit 4096 MB exceeded?")
    assert index.reason_zh("worker died (exit code 3)") == "处理进程意外退出"
    assert index.reason_zh("UnreadableError: x.pdf: the PDF is encrypted (password protected)") == "PDF 已加密（有密码保护）"
    assert "OCR" in index.reason_zh("UnreadableError: x.pdf: no text layer (3 characters on 9 pages): a scanned PDF, OCR is needed first")
    assert index.reason_zh("UnreadableError: /a/b.pdf: no such file") == "文件不存在"


def test_report_folders_follow_the_umask(tmp_path: Path, corpus_batch: Path) -> None:
    old = os.umask(0o022)
    try:
        with paths.atomic_dir(tmp_path / "a" / "2023") as tmp:
            (tmp / "x.html").write_text("x", encoding="utf-8")
        assert (tmp_path / "a" / "2023").stat().st_mode & 0o777 == 0o755
        assert (tmp_path / "a" / "2023" / "x.html").stat().st_mode & 0o777 == 0o644
        os.umask(0o027)
        with paths.atomic_dir(tmp_path / "b" / "2023"):
            pass
        assert (tmp_path / "b" / "2023").stat().st_mode & 0o777 == 0o750
    finally:
        os.umask(old)
    if old == 0o022:   # the batch's workers inherit the test's umask
        for folder in corpus_batch.glob("*/*/"):
            assert folder.stat().st_mode & 0o777 == 0o755, folder


# -- item 4: the batch's progress bar -------------------------------------------------------------------
def test_progress_bar_names_each_document_and_nothing_else_breaks_into_it(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    """The terminal shows the bar and the failures it writes, nothing from the workers (no
    kernel's warning, no library's output: a report's cells capture it)."""
    src = tmp_path / "docs"
    src.mkdir()
    shutil.copy(SAMPLE, src)
    (src / "empty.pdf").write_bytes(b"")
    results = batch.run(src, tmp_path / "out", workers=1, progress=True, store=False)
    out, err = capfd.readouterr()
    assert sorted(r["status"] for r in results) == ["failed", "ok"]
    assert f"done: {SAMPLE.name}" in err and "failed: empty.pdf" in err and "2/2" in err
    pieces = [p for p in re.split(r"[\r\n]", out + err) if p.strip()]
    assert all(p.startswith(("reports:", "FAILED empty.pdf: ")) for p in pieces), pieces


# -- item 5: the teaching notebook ------------------------------------------------------------------------
def test_teaching_notebook_shows_two_sides_items_and_chinese_rules(tmp_path: Path) -> None:
    d = load(SAMPLE)
    t01 = sections.two_sides(d, "t01")
    assert list(t01.columns.get_level_values(0).unique()) == ["收入", "支出"]
    assert t01[("收入", "项目")].iloc[0] == "一般公共预算财政拨款收入" and t01[("支出", "项目")].iloc[0] == "一般公共服务支出"
    assert t01[("支出", "编码")].iloc[0] == "201"
    compared = sections.compare_table(d)
    assert {"事项", "核对", "文中数字", "重新计算"} <= set(compared.columns)
    rows_1037 = compared[compared["行号"] == 1037]
    assert {"本年收入合计", "财政拨款收入", "事业收入"} <= set(rows_1037["事项"])
    rules = sections.rules_table("local")
    assert list(rules.columns) == ["规则", "涉及的表", "类别", "要求"]
    assert not rules["要求"].str.contains(r"[A-Za-z]{4,}", regex=True).any()
    pm.execute_notebook(str(NOTEBOOKS / "teaching.ipynb"), str(tmp_path / "t.ipynb"), progress_bar=False, cwd=str(NOTEBOOKS))
    nb = nbformat.read(tmp_path / "t.ipynb", as_version=4)
    out = json.dumps([o for c in nb.cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "colspan='4'>收入</th>" in out or "colspan='2'>收入</th>" in out
    assert "<th>事项</th>" in out and "<th>类别</th>" in out and "<th>要求</th>" in out and "what must hold" not in out
