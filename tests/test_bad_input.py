"""Bad input: one clear line and a non-zero exit, or an explicit warning; never silent numbers."""
from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import SAMPLE, corpus_file, run_cli

import finacct
from finacct import check


def _fails_with(path: Path, words: str) -> None:
    out = run_cli("extract", str(path), "--json")
    assert out.returncode != 0
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], out.stderr


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    _fails_with(tmp_path / "empty.pdf", "empty")


def test_not_a_pdf(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(bytes(range(256)) * 8)
    _fails_with(tmp_path / "x.pdf", "not a PDF")


def test_truncated_pdf(tmp_path: Path) -> None:
    data = corpus_file("putuo_finance_2024.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    _fails_with(tmp_path / "cut.pdf", "truncated")


def test_encrypted_pdf(tmp_path: Path) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(corpus_file("putuo_finance_2024.pdf")) as pdf:
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="secret"))
    _fails_with(tmp_path / "locked.pdf", "encrypted")


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    """A page rendered to an image and put back as the only content: what a scan is."""
    src = pdfium.PdfDocument(corpus_file("putuo_finance_2024.pdf"))
    bitmap = src[5].render(scale=1)
    doc = pdfium.PdfDocument.new()
    page = doc.new_page(595, 842)
    image = pdfium.PdfImage.new(doc)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(595, 842))
    page.insert_obj(image)
    page.gen_content()
    doc.save(tmp_path / "scan.pdf")
    _fails_with(tmp_path / "scan.pdf", "OCR")


def test_text_that_is_no_disclosure_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("会议纪要\n本周讨论了预算编制和决算公开的进度。\n", encoding="utf-8")
    _fails_with(tmp_path / "notes.txt", "no table of a 部门决算 or 部门预算 disclosure")


def test_unparseable_row_is_reported_and_other_tables_survive(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    # t03's 行政运行 row loses two of its six cells: it fits no column layout any more
    t03 = lines.index("公开03表")
    i = next(k for k in range(t03, len(lines)) if lines[k].startswith("  行政运行 "))
    lines[i] = "  行政运行 2, 980. 77 2, 980. 77 0. 00 0. 00"
    (tmp_path / "broken.txt").write_text("\n".join(lines), encoding="utf-8")
    out = run_cli("extract", str(tmp_path / "broken.txt"), "--json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert any(w.startswith(f"t03 line {i + 1}: 4 amounts") for w in doc["warnings"])
    assert not any(f["table"] == "t03" and f["row"] == "2010301" for f in doc["facts"])
    whole = finacct.load(SAMPLE).facts
    assert sum(f["table"] == "t05" for f in doc["facts"]) == int((whole["table"] == "t05").sum()) == 110  # others whole


def test_pdf_table_whose_header_is_unreadable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from finacct.tables import grid
    real = grid._anchors
    monkeypatch.setattr(grid, "_anchors", lambda spec, cells, lines: [] if spec.id == "t03" else real(spec, cells, lines))
    d = finacct.load(corpus_file("putuo_finance_2024.pdf"))
    assert any(w.startswith("t03 (支出决算表) p10: no column header recognised") for w in d.warnings)
    assert d.value("t02", "2010601", "total") == 1511.90


def test_missing_file() -> None:
    _fails_with(Path("/nonexistent/doc.pdf"), "no such file")


def test_own_xlsx_round_trips_with_kind_notes_and_units(tmp_path: Path) -> None:
    """A budget written to finacct's spreadsheet and read back keeps its kind, template, the
    b09 unit and note, and so its findings."""
    from finacct.extract import xlsx
    b = finacct.load(corpus_file("putuo_wanli_street_2024_budget.pdf"))
    xlsx.write(b, tmp_path / "b.xlsx")
    back = finacct.load(tmp_path / "b.xlsx")
    assert (back.kind, back.template, back.tables["b09"]["unit"]) == ("budget", "shanghai_budget", "万元")
    assert len(back.facts) == len(b.facts) and check(back).counts()["error"] == 1   # the b09 note (N1)


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    import openpyxl

    from finacct.extract import xlsx
    d = finacct.load(SAMPLE)
    d.department = '=HYPERLINK("http://example.invalid","点我")'
    xlsx.write(d, tmp_path / "d.xlsx")
    cell = next(c for c in openpyxl.load_workbook(tmp_path / "d.xlsx")["meta"]["B"] if c.value == d.department)
    assert cell.data_type == "s"
    assert finacct.load(tmp_path / "d.xlsx").department == d.department


def test_xlsx_takes_infinities_and_overlong_text_without_losing_the_file(tmp_path: Path) -> None:
    """A rate printed with hundreds of digits reads as infinity and a warning can outgrow a
    cell: the spreadsheet is still written, the infinity read back, the cut said in the cell."""
    from finacct.extract import xlsx
    d = finacct.load(SAMPLE)
    d.performance[0]["funds"]["execution_rate"] = float("9" * 400)
    d.warnings.append("长" * 40_000)
    xlsx.write(d, tmp_path / "d.xlsx")
    back = finacct.load(tmp_path / "d.xlsx")
    assert back.performance[0]["funds"]["execution_rate"] == float("inf")
    import openpyxl
    cut = openpyxl.load_workbook(tmp_path / "d.xlsx")["warnings"].cell(len(d.warnings) + 1, 1).value
    assert len(cut) == 32_767 and cut.startswith("长" * 1000) and cut.endswith("…[40,000 characters, cut to a cell's 32,767]")
    assert [p.name for p in tmp_path.iterdir()] == ["d.xlsx"]


@pytest.mark.parametrize("sheet,cell,value,words", [
    ("facts", "D1", "amount", "sheet facts, column value: missing"),
    ("facts", "D5", "=1+1", "sheet facts, row 5, column value: empty"),
    ("facts", "D6", "三百", "sheet facts, row 6, column value"),
    ("meta", "B5", "二〇二三", "sheet meta, column value: year '二〇二三'"),
])
def test_xlsx_bad_content_is_one_line_naming_the_cell(tmp_path: Path, sheet: str, cell: str, value: str, words: str) -> None:
    import openpyxl

    from finacct.extract import xlsx
    xlsx.write(finacct.load(SAMPLE), tmp_path / "good.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "good.xlsx")
    wb[sheet][cell] = value
    wb.save(tmp_path / "bad.xlsx")
    _fails_with(tmp_path / "bad.xlsx", words)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_dump_is_decoded_not_called_binary(tmp_path: Path, codec: str) -> None:
    """Notepad's "Unicode" (with a byte-order mark) and BOM-less UTF-16 read as the same text."""
    path = tmp_path / f"{codec}.txt"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").encode(codec))
    d, same = finacct.load(path), finacct.load(SAMPLE)
    assert d.department == same.department == "长春市人民政府办公厅"
    assert d.facts["value"].tolist() == same.facts["value"].tolist()


def test_symlink_loop_and_broken_link_are_named(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").symlink_to(tmp_path / "b.pdf")
    (tmp_path / "b.pdf").symlink_to(tmp_path / "a.pdf")
    (tmp_path / "gone.pdf").symlink_to(tmp_path / "nowhere.pdf")
    _fails_with(tmp_path / "a.pdf", "a loop of symbolic links")
    _fails_with(tmp_path / "gone.pdf", "which does not exist")


def test_own_json_round_trips_through_extract_and_check(tmp_path: Path) -> None:
    """`extract --json` output is a source again: the same facts, and the table checks find the same."""
    out = run_cli("extract", str(SAMPLE), "--json")
    (tmp_path / "own.json").write_text(out.stdout, encoding="utf-8")
    again = run_cli("extract", str(tmp_path / "own.json"), "--json")
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(out.stdout)
    back, d = finacct.load(tmp_path / "own.json"), finacct.load(SAMPLE)
    tables = lambda f: f[f["rule"].str.startswith(("t0", "x."))].set_index("rule")["status"]   # noqa: E731
    assert tables(check(back)).equals(tables(check(d)))
    assert back.value("t02", "total", "total") == 6901.75


@pytest.mark.parametrize(("text", "words"), [
    ('{"a":', "not valid JSON (Expecting value at line 1"),
    ('{"schema": "finacct.findings/1", "findings": []}', "finacct's findings (check --json), not a disclosure"),
    ('{"schema": "other"}', 'JSON without "schema": "finacct.disclosure/1"'),
    ('{"schema": "finacct.disclosure/1", "facts": [{"table": "t01", "row": "x", "col": "amount", "value": "12"}]}',
     "facts[0].value: '12' is not a number"),
    ('{"schema": "finacct.disclosure/1", "year": "二〇二三"}', "year: '二〇二三' is not a year like 2023"),
    ('{"schema": "finacct.disclosure/1", "template": "../etc"}', "template: '../etc' is not one of"),
])
def test_bad_json_is_one_line_naming_the_field(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "d.json").write_text(text, encoding="utf-8")
    _fails_with(tmp_path / "d.json", words)


def test_own_xlsx_and_json_go_through_report(tmp_path: Path) -> None:
    """finacct's own outputs are documents like any other: `report` builds theirs."""
    own = {"json": tmp_path / "own.json", "xlsx": tmp_path / "own.xlsx"}
    own["json"].write_text(run_cli("extract", str(SAMPLE), "--json", "--xlsx", str(own["xlsx"])).stdout, encoding="utf-8")
    for kind, path in own.items():
        out = run_cli("report", str(path), "--out", str(tmp_path / kind))
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
        (html,) = (tmp_path / kind).glob("长春市人民政府办公厅/2023/report.html")
        assert "6,901.75" in html.read_text(encoding="utf-8")
