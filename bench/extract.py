"""Extraction speed and memory against pdfplumber's extract_tables(), measured in the same run.

    python bench/extract.py [PDF ...]        (default: every PDF in ../shared/corpus)

Prints per document: kind (final / budget), pages, finacct seconds (best of 5),
pdfplumber extract_tables() seconds over every page (best of 2), their ratio, and finacct's
peak RSS in a fresh process; then finacct's median seconds per page and per 1,000 words of
text for budgets against finals (a budget should take no longer than a final of the same size;
budget pages are denser, so words are the fairer measure of size).
"""
from __future__ import annotations

import resource
import statistics
import subprocess
import sys
from pathlib import Path

import pdfplumber
from timing import best  # bench/timing.py: this script's folder is on sys.path

import finacct

ROOT = Path(__file__).resolve().parents[1]


def baseline(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def peak_mb(path: Path) -> float:
    code = ("import resource, finacct, sys; finacct.load(sys.argv[1]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT.parent / "shared" / "corpus").glob("*.pdf"))
    print(f"{'document':45} {'kind':>6} {'pages':>5} {'finacct s':>10} {'pdfplumber s':>13} {'ratio':>7} {'peak MB':>8}")
    per_page: dict[str, list[float]] = {"final": [], "budget": []}
    per_kword: dict[str, list[float]] = {"final": [], "budget": []}
    for path in paths:
        with pdfplumber.open(path) as pdf:
            pages = len(pdf.pages)
        d = finacct.load(path)
        kind, words = d.kind, sum(len(t.split()) or 1 for _, t in d.text)
        ours = best(lambda path=path: finacct.load(path), 5)
        theirs = best(lambda path=path: baseline(path), 2)
        per_page[kind].append(ours / pages)
        per_kword[kind].append(1000 * ours / words)
        print(f"{path.name:45} {kind:>6} {pages:5d} {ours:10.3f} {theirs:13.3f} {theirs / ours:6.1f}x {peak_mb(path):8.0f}")
    if per_page["final"] and per_page["budget"]:
        f, b = statistics.median(per_page["final"]), statistics.median(per_page["budget"])
        print(f"median s/page: finals {f:.4f}, budgets {b:.4f} (budget/final {b / f:.2f})")
        f, b = statistics.median(per_kword["final"]), statistics.median(per_kword["budget"])
        print(f"median s/1000 words: finals {f:.4f}, budgets {b:.4f} (budget/final {b / f:.2f})")
    print(f"(peak MB of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f})")


if __name__ == "__main__":
    main()
