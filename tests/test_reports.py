"""Reports end to end: the notebook report, the batch over the corpus with a broken file,
offline HTML in headless Chromium, limits, injection, the store and the explorer."""
from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest
from conftest import SAMPLE, charts_drawn, corpus_file, docs_folder, render_offline, run_cli

from finacct import Corpus, batch, load
from finacct.report import build as build_module
from finacct.report.build import NOTEBOOKS, Job, build, code_version
from finacct.report.kernel import Warm
from finacct.report.paths import report_dir
from finacct.widgets import explore

SANGONG_SQL = """SELECT d.department, d.year, coalesce(f.value, 0) AS sangong
FROM documents d LEFT JOIN facts f ON f.doc_id = d.doc_id AND f."table" = 't09' AND f."row" = 'actual' AND f.col = 'total'
ORDER BY d.department, d.year"""


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """The corpus PDFs, the sample and one truncated PDF in a folder, batched with two workers."""
    src = docs_folder(tmp_path_factory.mktemp("docs"), "putuo_finance_2024.pdf", "putuo_planning_resources_2024.pdf")
    out = tmp_path_factory.mktemp("reports")
    return out, batch.run(src, out, workers=2, progress=False) + [{"folder": str(src)}]


def test_report_command_leaves_notebook_html_and_index(tmp_path: Path) -> None:
    out = run_cli("report", str(SAMPLE), "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "长春市人民政府办公厅" / "2023"
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "source" in params.source and "budget_file" in params.source
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "九张决算表" in page and "6,901.84" in page and "vegaEmbed(" in page
    assert 'src="http' not in page
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["figures"]["errors"] == 2
    assert "长春市人民政府办公厅" in (tmp_path / "index.html").read_text(encoding="utf-8")
    # the Vega libraries are written once under --out and linked, not inlined: the page stays small
    (vega,) = (tmp_path / "_static").glob("vega-*.js")
    assert vega.stat().st_size > 500_000 and f'<script src="../../_static/{vega.name}"></script>' in page
    assert (folder / "report.html").stat().st_size <= 400 * 1024
    dom = render_offline(folder / "report.html")
    charts, drawn = charts_drawn(dom)
    assert charts >= 6 and drawn == charts and "部门决算报告" in dom and "核对结果" in dom
    index = render_offline(tmp_path / "index.html")
    assert "部门决算报告索引" in index and "长春市人民政府办公厅/2023/report.html" in index


def test_batch_reports_every_good_document_and_names_the_broken_one(batch_run) -> None:
    out, results = batch_run
    by_name = {Path(r["source"]).name: r for r in results if "source" in r}
    assert {n for n, r in by_name.items() if r["status"] == "ok"} == {
        SAMPLE.name, "putuo_finance_2024.pdf", "putuo_planning_resources_2024.pdf"}
    assert by_name["broken.pdf"]["status"] == "failed" and "truncated" in by_name["broken.pdf"]["reason"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("report.html") == 3 and "broken.pdf" in page and "truncated" in page
    for r in by_name.values():
        if r["status"] == "ok":
            assert (Path(r["dir"]) / "report.html").exists() and Path(r["dir"]).resolve().is_relative_to(out.resolve())
    assert not list(out.rglob(".part-*"))          # no half-written report left behind


@contextmanager
def opened_files() -> Iterator[list[tuple[str, str]]]:
    """(path, mode) of each file this process opens meanwhile. An audit hook cannot be removed,
    so the one hook records only while a caller listens."""
    if not _LISTENERS:
        sys.addaudithook(_record_open)
    opened: list[tuple[str, str]] = []
    _LISTENERS.append(opened)
    try:
        yield opened
    finally:
        _LISTENERS.remove(opened)


_LISTENERS: list[list[tuple[str, str]]] = []


def _record_open(event: str, args: tuple) -> None:
    if event == "open" and _LISTENERS and isinstance(args[0], str):
        _LISTENERS[-1].append((args[0], str(args[1])))


def test_a_report_reads_its_document_once_and_saves_its_notebook_once(tmp_path: Path) -> None:
    """The builder only hashes the document (its fingerprint): the notebook, in the kernel, is
    the one reading of it, and names the folder; papermill writes report.ipynb once, not after
    every cell."""
    with opened_files() as opened:
        result = build(Job(str(SAMPLE), str(tmp_path)))
    assert sum(Path(path).resolve() == SAMPLE.resolve() for path, _ in opened) == 1   # by sha256()
    assert [mode for path, mode in opened if Path(path).name == "report.ipynb"] == ["w"]
    assert Path(result.dir) == tmp_path.resolve() / "长春市人民政府办公厅" / "2023"
    assert (result.manifest["department"], result.manifest["year"], result.manifest["figures"]["kind"]) == (
        "长春市人民政府办公厅", 2023, "final")
    assert result.manifest["figures"]["errors"] == 2 and result.manifest["source_sha256"]


def test_one_warm_kernel_and_client_serve_report_after_report(tmp_path: Path) -> None:
    """A process builds every report in one kernel through one client: nbclient, given a
    kernel manager, would open a client per report (a thread, ten file descriptors) and never
    close it, and a batch worker would run out of descriptors after a few hundred documents."""
    seen = []
    for n in range(3):
        build(Job(str(SAMPLE), str(tmp_path), dir=str(tmp_path / "dept" / str(n))))
        seen.append((Warm.km, Warm.kc, threading.active_count(), len(os.listdir("/proc/self/fd"))))
    assert seen[0] == seen[1] == seen[2]


def test_workers_warm_up_early_and_are_not_waited_for_when_unneeded() -> None:
    """warm() has each worker start importing what a report needs at once, while the parent
    plans; a pool closed before any job kills a worker still warming instead of waiting. A
    worker starts no kernel: it builds in its own shell."""
    import time

    import psutil
    with batch.LocalPool(1, 60, 4096) as pool:
        assert pool.peek([SAMPLE])[SAMPLE][1] == 2023
        pool.warm()
        worker = psutil.Process(pool.slots[0].proc.pid)
        time.sleep(0.3)
        assert pool.slots[0].warming and not worker.children(recursive=True)
        t = time.monotonic()
    assert time.monotonic() - t < 2
    with contextlib.suppress(psutil.NoSuchProcess):   # reaped already
        assert worker.status() == psutil.STATUS_ZOMBIE   # dead, not yet reaped


def test_a_dead_worker_is_said_as_its_exit_tells() -> None:
    """Killed by a signal a failed allocation brings: the memory limit is named as the likely
    cause; a process that exited with a code of its own (a notebook calling os._exit) is only said."""
    import multiprocessing as mp
    import time
    ctx = mp.get_context("spawn")
    exited, killed = ctx.Process(target=os._exit, args=(3,)), ctx.Process(target=time.sleep, args=(60,))
    for p in (exited, killed):
        p.start()
    exited.join(30)
    killed.kill()
    killed.join(30)
    pool = batch.LocalPool(1, 60, 1536)
    assert pool._died(exited) == "worker died (exit code 3)"
    assert pool._died(killed) == "worker died (SIGKILL); memory limit 1536 MB exceeded?"


def test_rerun_skips_unchanged_documents(batch_run) -> None:
    out, results = batch_run
    again = batch.run(results[-1]["folder"], out, workers=2, progress=False)
    assert sorted(r["status"] for r in again) == ["failed", "skipped", "skipped", "skipped"]


def test_a_changed_finacct_rebuilds_the_reports_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same document, and finacct's code changed (its version number not): the report is
    made again, its manifest naming the code that made it."""
    src = tmp_path / "docs"
    src.mkdir()
    shutil.copy(SAMPLE, src)
    first = batch.run(src, tmp_path / "out", workers=1, progress=False, store=False)
    monkeypatch.setattr(build_module, "code_version", lambda: "0.1.0+edited")
    again = batch.run(src, tmp_path / "out", workers=1, progress=False, store=False)
    assert [r["status"] for r in first] == [r["status"] for r in again] == ["ok"]
    assert json.loads((Path(again[0]["dir"]) / "manifest.json").read_text(encoding="utf-8"))["finacct_version"] == "0.1.0+edited"


def test_store_answers_sangong_by_department_and_year_in_one_query(batch_run, tmp_path: Path) -> None:
    out, _ = batch_run
    corpus = Corpus.open(out / "finacct.duckdb")
    rows = corpus.query(SANGONG_SQL)
    assert rows.to_dict("records") == [
        {"department": "上海市普陀区规划和自然资源局", "year": 2024, "sangong": 0.39},
        {"department": "上海市普陀区财政局", "year": 2024, "sangong": 0.0},
        {"department": "长春市人民政府办公厅", "year": 2023, "sangong": 3.66}]
    assert corpus.query("SELECT count(*) AS n FROM findings WHERE status = 'error'")["n"][0] > 0
    assert corpus.query("SELECT prior FROM claims WHERE \"key\" = 'admin_running' AND year = 2023")["prior"][0] == 380.6
    corpus.store.to_parquet(tmp_path / "parquet")
    assert len(pd.read_parquet(tmp_path / "parquet" / "facts.parquet")) == int(corpus.query("SELECT count(*) n FROM facts")["n"][0])
    package = json.loads(corpus.store.to_datapackage(tmp_path / "pkg").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["documents", "facts", "findings", "claims"]
    assert {"name": "value", "type": "number"} in package["resources"][1]["schema"]["fields"]
    corpus.store.close()


def test_a_hanging_or_exploding_document_hits_its_limit(tmp_path: Path) -> None:
    src = tmp_path / "docs"
    src.mkdir()
    shutil.copy(SAMPLE, src)
    slow = batch.run(src, tmp_path / "a", workers=1, timeout=0.1, progress=False, store=False)   # a warm report takes most of a second
    assert slow[0]["status"] == "failed" and "timed out" in slow[0]["reason"]
    big = batch.run(src, tmp_path / "b", workers=1, memory_mb=150, progress=False, store=False)
    assert big[0]["status"] == "failed"
    assert "memory" in big[0]["reason"].lower() or "worker died" in big[0]["reason"]


def test_dask_executor_runs_the_same_jobs(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    src = tmp_path / "docs"
    src.mkdir()
    shutil.copy(SAMPLE, src)
    (src / "empty.pdf").write_bytes(b"")
    results = batch.run(src, tmp_path / "out", executor="dask", workers=1, progress=False, store=False)
    assert sorted(r["status"] for r in results) == ["failed", "ok"]


def test_document_text_cannot_inject_code_or_markup(tmp_path: Path) -> None:
    """A department name carrying quotes, a path and a script tag: escaped in the HTML,
    kept inside reports/; a parameter with quotes and newlines stays data."""
    evil = '长春市"</h1><script>alert(1)</script>../../办公厅'
    doc = tmp_path / "evil.txt"
    doc.write_text(SAMPLE.read_text(encoding="utf-8").replace("长春市人民政府办公厅", evil), encoding="utf-8")
    d = load(doc)
    assert "<script>" in d.department
    result = build(Job(str(doc), str(tmp_path / "reports")))
    folder = Path(result.dir)
    assert folder.resolve().is_relative_to((tmp_path / "reports").resolve())
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert report_dir(tmp_path, "../../x", 2023, "f").resolve().is_relative_to(tmp_path.resolve())
    marker = tmp_path / "pwned"
    payload = f'x"\nimport pathlib; pathlib.Path({str(marker)!r}).touch()\n#'
    pm.execute_notebook(str(NOTEBOOKS / "department_report.ipynb"), str(tmp_path / "p.ipynb"), progress_bar=False,
                        parameters={"source": str(SAMPLE), "department": payload, "output_dir": str(tmp_path / "p")},
                        cwd=str(NOTEBOOKS))
    assert not marker.exists()


def test_notebooks_run_on_the_sample_and_the_store(batch_run, tmp_path: Path) -> None:
    out, _ = batch_run
    pm.execute_notebook(str(NOTEBOOKS / "teaching.ipynb"), str(tmp_path / "t.ipynb"), progress_bar=False, cwd=str(NOTEBOOKS))
    pm.execute_notebook(str(NOTEBOOKS / "corpus_overview.ipynb"), str(tmp_path / "c.ipynb"), progress_bar=False,
                        parameters={"store": str(out / "finacct.duckdb")}, cwd=str(NOTEBOOKS))
    overview = nbformat.read(tmp_path / "c.ipynb", as_version=4)
    text = json.dumps([o for c in overview.cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "长春市人民政府办公厅" in text and "3.66" in text


def test_explorer_drills_down_to_a_row_and_its_findings() -> None:
    e = explore(load(SAMPLE))
    assert (e.department.value, e.year.value) == ("长春市人民政府办公厅", 2023)
    e.table.value = "t05"
    e.levels[0].value = "229"
    e.levels[1].value = "22999"
    e.levels[2].value = "2299901"
    assert e.selected_row == "2299901"
    assert "0.44" in e.values.value
    assert "x.codes.same_line" in e.findings.value and "error" in e.findings.value
    e.levels[0].value = "（全部）"
    assert e.selected_row is None and e.levels[1].options == (("（全部）", "（全部）"),)


def test_batch_pairs_a_department_with_its_previous_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paired by their peeks, which the notebook gets as the department and year it expects,
    and which the batch remembers by content: a rerun peeks at nothing."""
    src = tmp_path / "docs"
    src.mkdir()
    shutil.copy(SAMPLE, src / "2023.txt")
    (src / "2022.txt").write_text(SAMPLE.read_text(encoding="utf-8").replace("2023", "2022"), encoding="utf-8")
    results = batch.run(src, tmp_path / "out", workers=1, progress=False, store=False)
    assert sorted(r["status"] for r in results) == ["ok", "ok"]
    paired = next(r for r in results if r["source"].endswith("2023.txt"))
    assert paired["manifest"]["year"] == 2023 and paired["manifest"]["prior_sha256"]
    draft = (Path(paired["dir"]) / "report.html").read_text(encoding="utf-8")
    assert "上年数来源：上年部门决算（2022.txt）" in draft
    alone = next(r for r in results if r["source"].endswith("2022.txt"))
    assert alone["manifest"]["year"] == 2022 and not alone["manifest"]["prior_sha256"]
    nb = nbformat.read(Path(paired["dir"]) / "report.ipynb", as_version=4)
    injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    given = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(injected).body}
    assert (given["department"], given["year"]) == ("长春市人民政府办公厅", 2023)
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "out" / "_static").iterdir()) == ["notebook", "vega"]
    state = json.loads((tmp_path / "out" / batch.STATE).read_text(encoding="utf-8"))
    assert sorted(map(tuple, state["peeks"][code_version()].values())) == [
        ("长春市人民政府办公厅", 2022, "final"), ("长春市人民政府办公厅", 2023, "final")]

    def no_peek(*args: object, **kwargs: object) -> None:
        raise AssertionError("peeked again")
    monkeypatch.setattr(batch.LocalPool, "peek", no_peek)
    again = batch.run(src, tmp_path / "out", workers=1, progress=False, store=False)
    assert sorted(r["status"] for r in again) == ["skipped", "skipped"]


def test_batch_pairs_a_final_with_its_budget_and_reports_the_budget_alone(tmp_path: Path) -> None:
    """西南大学 2023: the final's report takes 完成率 from the budget document, naming it; the
    budget gets its own (shorter) report beside it; the store gives 预算 vs 决算 by 类."""
    src = tmp_path / "docs"
    src.mkdir()
    for name in ("chongqing_swu_university_2023_final.pdf", "chongqing_swu_university_2023_budget.pdf"):
        shutil.copy(corpus_file(name), src)
    results = batch.run(src, tmp_path / "out", workers=1, progress=False)
    assert sorted(r["status"] for r in results) == ["ok", "ok"]
    final = next(r for r in results if r["source"].endswith("final.pdf"))
    budget = next(r for r in results if r["source"].endswith("budget.pdf"))
    assert final["manifest"]["budget_sha256"] and Path(budget["dir"]).name == "2023-budget"
    page = (Path(final["dir"]) / "report.html").read_text(encoding="utf-8")
    assert "年初预算来源：部门预算 chongqing_swu_university_2023_budget.pdf：b05 财政拨款支出预算表（第10页）" in page
    assert "完成年初预算的102.64%" in page   # 高等教育 186,663.39 / 181,866.03
    alone = (Path(budget["dir"]) / "report.html").read_text(encoding="utf-8")
    assert "年度部门预算 · finacct 报告" in alone and "部门预算说明（草稿）" in alone and "403,484.64" in alone
    rows = Corpus.open(tmp_path / "out" / "finacct.duckdb").query(
        "SELECT code, budget, actual, rate_pct FROM budget_execution WHERE level = '类' AND code = '205'")
    assert rows.iloc[0].tolist() == ["205", 208613.34, 213588.53, 102.38]
