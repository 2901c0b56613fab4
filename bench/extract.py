"""Extraction speed and memory against PDFium's own floor and pdfplumber's extract_tables(),
measured in the same run.

    python bench/extract.py [--no-pdfplumber] [PDF ...]      (default: every PDF in ../shared/corpus)

Prints per document: kind (final / budget), pages, finacct.load() seconds, the floor's seconds
(pypdfium2 opening each page, loading its text page, reading its text and every character's
box: what any reader of positioned text pays) and finacct's ratio to it, both best of 11 runs
taken alternately, in rounds over all documents; pdfplumber's extract_tables() over every page
(best of 2) and how many times slower it is; finacct's peak RSS in a fresh process. Seconds are CPU seconds: all three
run on one thread, and on a shared machine CPU time is the steadier measure. Then finacct's
median seconds per page and per 1,000 words for budgets against finals (budget pages are
denser, so words are the fairer measure of size), and finacct's peak RSS on documents of 25,
100 and 400 pages made by concatenating the corpus's pages (in a temporary folder), against
the 25-page one: memory should not grow with the page count.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium
from timing import alternately, ratio  # bench/timing.py: this script's folder is on sys.path

import finacct

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
LENGTHS = (25, 100, 400)
RUNS = 11   # finacct and the floor, in turn: the best of each (a shared host has busy spells)
# VmHWM of the child itself: ru_maxrss would report the parent's size, inherited through fork and exec.
PEAK = ("import re, sys, pathlib, finacct; finacct.load(sys.argv[1]); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', pathlib.Path('/proc/self/status').read_text())[1])")


def floor(path: Path) -> None:
    """What reading positioned text costs in pypdfium2 itself: each page, its text, every box."""
    doc = pdfium.PdfDocument(str(path))
    for i in range(len(doc)):
        page = doc[i]
        tp = page.get_textpage()
        n = tp.count_chars()
        tp.get_text_range(0, n)
        for k in range(n):
            tp.get_charbox(k, loose=True)
        tp.close()
        page.close()
    doc.close()


def pdfplumber_tables(path: Path) -> None:
    import pdfplumber  # the bench extra: --no-pdfplumber runs without it
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def peak_mb(path: Path) -> float:
    out = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def concatenated(sources: list[Path], pages: int, folder: Path) -> Path:
    """A PDF of `pages` pages: the sources' pages in turn, from the first again when they run out."""
    out = pdfium.PdfDocument.new()
    k = 0
    while len(out) < pages:
        src = pdfium.PdfDocument(str(sources[k % len(sources)]))
        out.import_pages(src, list(range(min(len(src), pages - len(out)))))
        src.close()
        k += 1
    path = folder / f"concatenated_{pages}.pdf"
    out.save(path)
    out.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--no-pdfplumber", action="store_true", help="skip pdfplumber (minutes on the corpus)")
    args = parser.parse_args()
    paths = args.pdfs or sorted(CORPUS.glob("*.pdf"))
    print(f"{'document':42} {'kind':>6} {'pages':>5} {'finacct s':>9} {'floor s':>8} {'/floor':>7} "
          f"{'pdfplumber s':>12} {'faster':>7} {'peak MB':>8}    (CPU seconds)")
    per_page: dict[str, list[float]] = {"final": [], "budget": []}
    per_kword: dict[str, list[float]] = {"final": [], "budget": []}
    # every document's finacct and floor runs in one round after another: a busy spell of the
    # host slows one round of all, not every run of one document
    timed = iter(alternately([fn for path in paths for fn in (lambda path=path: finacct.load(path), lambda path=path: floor(path))],
                             RUNS, clock=time.process_time))
    for path, ours, base in zip(paths, timed, timed):
        d = finacct.load(path)
        pages = len(pdfium.PdfDocument(str(path)))
        kind, words = d.kind, sum(len(t.split()) or 1 for _, t in d.text)
        per_page[kind].append(ours / pages)
        per_kword[kind].append(1000 * ours / words)
        theirs = f"{'':12} {'':>7}"
        if not args.no_pdfplumber:
            slow, = alternately([lambda path=path: pdfplumber_tables(path)], 2, clock=time.process_time)
            theirs = f"{slow:12.3f} {ratio(slow, ours, '6.1f')}"
        print(f"{path.name[:42]:42} {kind:>6} {pages:5d} {ours:9.3f} {base:8.3f} {ratio(ours, base, '6.2f')} {theirs} {peak_mb(path):8.0f}")
    if per_page["final"] and per_page["budget"]:
        f, b = statistics.median(per_page["final"]), statistics.median(per_page["budget"])
        print(f"median s/page: finals {f:.4f}, budgets {b:.4f} (budget/final {b / f:.2f})")
        f, b = statistics.median(per_kword["final"]), statistics.median(per_kword["budget"])
        print(f"median s/1000 words: finals {f:.4f}, budgets {b:.4f} (budget/final {b / f:.2f})")
    with tempfile.TemporaryDirectory() as tmp:
        peaks = {n: peak_mb(concatenated(paths, n, Path(tmp))) for n in LENGTHS}
    print("peak MB by pages (corpus pages concatenated): "
          + ", ".join(f"{n}: {mb:.0f} ({mb / peaks[LENGTHS[0]] - 1:+.0%})" for n, mb in peaks.items()))


if __name__ == "__main__":
    main()
