"""Scanned disclosures read by OCR (the ocr extra), and the identities as checksums of what
was read.

The scans are made at test time from the corpus (tests/fixtures/scans/make.py: 200 dpi
grayscale, turned 0.3–1°, noise, JPEG, images only): only a few table pages of each, to keep
the OCR under a minute on two cores. Each is scored by the shared scorer against its answer
key restricted to the tables on those pages (the others are then rightly `missing`).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, GOLD, ROOT, SHARED, run_cli

import finacct
from finacct.errors import UnreadableError
from finacct.extract import ocr
from finacct.tables.specs import TEMPLATES

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "scans"))
from make import make_scan  # noqa: E402

# answer key -> the table pages scanned (1-based, of the corpus document), chosen to cover
# every kind of table: two-sided summaries, classified tables over two pages, 三公,
# declared-empty tables and a budget in 元 with a table in 万元.
SCANS = {
    "putuo_finance_2024": [6, 7, 10, 11, 15, 18, 19],  # t01, t03, t05, t09, t07 (declared empty)
    "chongqing_swu_university_2023_final": [8, 9, 14, 15],  # university t01, t05
    "putuo_wanli_street_2024_budget": [10, 21, 28, 29, 30, 31],  # b01, b04, b08 (empty), b06, b09 (万元)
}


def _has_engine() -> bool:
    try:
        ocr.require("x")
    except UnreadableError:
        return False
    return True


needs_engine = pytest.mark.skipif(not _has_engine(), reason=f"the ocr extra is not installed ({ocr.INSTALL})")


@pytest.fixture(scope="session")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not CORPUS.exists() or not GOLD.exists():
        pytest.skip("the corpus and answer keys are not beside the checkout (../shared)")
    folder = tmp_path_factory.mktemp("scans")
    return {name: make_scan(CORPUS / f"{name}.pdf", pages, folder / f"{name}.scan.pdf", dpi=200, angle=0.8, seed=k)
            for k, (name, pages) in enumerate(SCANS.items())}


def _restricted_key(name: str, pages: list[int]) -> dict:
    """The answer key cut to the tables whose pages were all scanned; the others `missing`."""
    key = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))
    kept = {t for t, e in key["tables"].items() if e.get("pages") and set(e["pages"]) <= set(pages)}
    for t, e in key["tables"].items():
        if t not in kept and e["status"] != "not_required":
            key["tables"][t] = {"status": "missing", "pages": []}
    key["facts"] = [f for f in key["facts"] if f["table"] in kept]
    key["performance"] = []
    return key


@needs_engine
@pytest.mark.parametrize("name", list(SCANS))
def test_scan_scores_against_answer_key_and_every_wrong_value_is_flagged(name: str, scans: dict[str, Path], tmp_path: Path) -> None:
    out = run_cli("extract", str(scans[name]), "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    key = _restricted_key(name, SCANS[name])
    (tmp_path / "key.json").write_text(json.dumps(key, ensure_ascii=False), encoding="utf-8")
    score = subprocess.run([sys.executable, str(SHARED / "tools" / "score_extract.py"), str(tmp_path / "key.json"), "-"],
                           input=out.stdout, capture_output=True, text=True).stdout
    last = score.strip().splitlines()[-1]
    f1 = float(re.search(r"F1=([\d.]+)", last).group(1))
    agree, n = map(int, re.search(r"tables=(\d+)/(\d+)", last).groups())
    print(f"{name}: {last}")
    assert f1 >= 0.98 and agree == n, score
    # provenance on every fact, and no wrong value that the identities did not point at
    assert all(f.get("ocr") is True and 0 <= f["confidence"] <= 1 for f in got["facts"])
    expected = {(f["table"], f["row"], f["col"]): f["value"] for f in key["facts"]}
    wrong = [f for f in got["facts"] if (f["table"], f["row"], f["col"]) in expected
             and abs(f["value"] - expected[(f["table"], f["row"], f["col"])]) >= 0.005]
    silent = [f for f in wrong if not (f.get("suspect") or "proposed" in f)]
    assert not silent, silent
    for f in got["facts"]:
        if f.get("suspect"):
            assert any(f"{f['table']} p{f['page']}" in w and f"row {f['row']}, column {f['col']}" in w for w in got["warnings"])


@needs_engine
def test_a_misread_on_a_real_scan_is_suspect_with_its_correction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole route on a scan of t03 (支出决算表), the engine made to read 1,511.89 (行政运行,
    合计) as 1,571.89: the fact keeps the reading, is suspect, and proposes 1,511.89."""
    if not CORPUS.exists():
        pytest.skip("the corpus is not beside the checkout (../shared/corpus)")
    scan = make_scan(CORPUS / "putuo_finance_2024.pdf", [10, 11], tmp_path / "t03.pdf", dpi=200, angle=0.6)
    read = ocr.recognise

    def misreading(image: np.ndarray, threads: int = 0) -> list:
        return [(q, t.replace("1,511.89", "1,571.89"), s) for q, t, s in read(image, threads)]
    monkeypatch.setattr(ocr, "recognise", misreading)
    d = finacct.load(scan).to_contract()
    fact = next(f for f in d["facts"] if (f["table"], f["row"], f["col"]) == ("t03", "2010601", "total"))
    assert fact["value"] == 1571.89 and fact["suspect"] is True and fact["proposed"] == 1511.89 and fact["ocr"] is True
    assert [f["row"] + "/" + f["col"] for f in d["facts"] if "proposed" in f] == ["2010601/total"]
    assert any("t03 p1" in w and "row 2010601, column total" in w and "1511.89" in w for w in d["warnings"])


def test_scan_below_100_dpi_is_refused_in_one_line(tmp_path: Path) -> None:
    if not CORPUS.exists():
        pytest.skip("the corpus is not beside the checkout (../shared/corpus)")
    path = make_scan(CORPUS / "putuo_finance_2024.pdf", [10], tmp_path / "low.pdf", dpi=60, angle=0.5)
    out = run_cli("extract", str(path), "--json")
    assert out.returncode != 0 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "60 dpi" in lines[0] and "too low" in lines[0], out.stderr


def _blank_scan(path: Path) -> Path:
    """An image-only PDF without the corpus: a grey page at 200 dpi."""
    from PIL import Image
    rng = np.random.default_rng(0)
    pixels = np.clip(235 + rng.normal(0, 8, (1169, 827)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels, "L").save(path, "PDF", resolution=200.0)
    return path


def test_missing_extra_is_one_line_naming_the_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # `import rapidocr` now fails as if not installed
    path = _blank_scan(tmp_path / "X.pdf")
    with pytest.raises(UnreadableError) as err:
        finacct.load(path)
    assert str(err.value) == "X.pdf: no text layer; OCR needs the ocr extra: pip install 'finacct[ocr]'"


def test_one_misread_digit_is_suspect_and_its_correction_proposed() -> None:
    """t03 of a small department with 1,503.52 read as 1,508.52 (3 read as 8) in one 项 cell:
    the 款 over it and its row's 合计 = 基本 + 项目 both fail, and only one single-character
    change of one cell makes both hold."""
    spec = TEMPLATES["local"].tables["t03"]
    rows = {  # row: (total, basic, project)
        "total": (2106.66, 1503.52, 603.14), "201": (2106.66, 1503.52, 603.14), "20106": (2106.66, 1503.52, 603.14),
        "2010601": (1511.89, 1503.52, 8.37), "2010602": (10.00, None, 10.00), "2010607": (135.25, None, 135.25),
        "2010608": (449.52, None, 449.52)}
    facts = [{"table": "t03", "row": r, "col": c, "value": v, "page": 7, "label": r}
             for r, values in rows.items() for c, v in zip(("total", "basic", "project"), values) if v is not None]
    misread = next(f for f in facts if (f["row"], f["col"]) == ("2010601", "basic"))
    misread["value"] = 1508.52
    warnings: list[str] = []
    out = ocr.checksum(spec, facts, [], warnings)
    cell = {(f["row"], f["col"]): f for f in out}
    assert cell[("2010601", "basic")]["suspect"] is True
    assert cell[("2010601", "basic")]["proposed"] == 1503.52
    assert cell[("2010601", "basic")]["value"] == 1508.52  # the reading stays
    assert [c for c, f in cell.items() if "proposed" in f] == [("2010601", "basic")]
    assert cell[("20106", "basic")]["suspect"] is True and "proposed" not in cell[("20106", "basic")]
    assert "suspect" not in cell[("2010602", "project")]
    assert any("t03 p7" in w and "row 2010601, column basic" in w and "1503.52" in w for w in warnings)
    assert len(warnings) == sum(1 for f in out if f.get("suspect"))


def test_corrections_are_one_character_away() -> None:
    assert 1503.52 in ocr.corrections("1,508.52", whole=False)  # 3 read as 8
    assert 1503.52 in ocr.corrections("150352", whole=False)  # decimal point dropped
    assert 150352 in ocr.corrections("1503.52", whole=True)  # a point where the table prints whole numbers
    assert 1503.52 in ocr.corrections("153.52", whole=False)  # a digit dropped
    assert 1503.52 not in ocr.corrections("1503.52", whole=False)


def test_box_text_is_split_into_words_as_the_text_layer_gives_them() -> None:
    assert ocr.normalise("1, 633, 000") == "1,633,000"
    assert ocr.normalise("２，９８０．７７") == "2,980.77"
    assert [w for w, _, _ in ocr.split_words("行政运行 2,980.77")] == ["行政运行", "2,980.77"]
    assert [w for w, _, _ in ocr.split_words("合计2,940.05")] == ["合计", "2,940.05"]
    assert [w for w, _, _ in ocr.split_words("2010301行政运行")] == ["2010301", "行政运行"]
    assert [w for w, _, _ in ocr.split_words("2024年部门预算")] == ["2024年部门预算"]
    assert [w for w, _, _ in ocr.split_words("1.一般公共预算资金")] == ["1.一般公共预算资金"]
    words = ocr.words_of([(np.array([[100, 100], [400, 100], [400, 140], [100, 140]], float), "行政运行 2,980.77", 0.99)],
                         np.zeros((300, 600), bool), 200 / 72)
    assert [w.text for w in words] == ["行政运行", "2,980.77"] and words[0].x1 < words[1].x0
    assert words[1].is_amount and words[1].confidence == 0.99


def test_skew_and_rulings_of_a_drawn_table() -> None:
    """A ruled grid turned 0.7° counter-clockwise: the angle is found, and once turned back
    its rulings come out as finacct's (y, x0, x1) and (x, top, bottom)."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (1600, 1000), 255)
    draw = ImageDraw.Draw(img)
    for y in range(200, 801, 100):
        draw.line([(200, y), (1400, y)], fill=0, width=3)
    for x in (200, 600, 1000, 1400):
        draw.line([(x, 200), (x, 800)], fill=0, width=3)
    turned = np.asarray(img.rotate(0.7, resample=Image.Resampling.BICUBIC, fillcolor=255))
    angle = ocr.skew(turned < ocr.DARK)
    assert abs(angle - 0.7) < 0.05
    straight = np.asarray(Image.fromarray(turned).rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255)) < ocr.DARK
    rules = ocr.rulings(straight, 50, 8)
    vrules = ocr.rulings(straight.T, 50, 8)
    assert sorted(round(y / 10) for y, _, _ in rules) == list(range(20, 81, 10))
    assert sorted(round(x / 10) for x, _, _ in vrules) == [20, 60, 100, 140]


def test_text_layer_facts_carry_no_ocr_keys() -> None:
    from conftest import SAMPLE
    facts = finacct.load(SAMPLE).to_contract()["facts"]
    assert facts and all(set(f) == {"table", "row", "col", "value", "page", "label"} for f in facts)
