"""How long `finacct check` takes beyond extraction, per corpus document.

    python bench/check.py

Prints, per document, the extraction time (the baseline, measured in the same run), the
check time and their ratio; the goal is a check of at most 0.1 s beyond extraction."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

from timing import best, ratio  # bench/timing.py: this script's folder is on sys.path

from finacct import check, load
from finacct.model import FROM_TEXT, Disclosure

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "data" / "changchun_gov_office_2023.txt",
        *sorted((ROOT.parent / "shared" / "corpus").glob("*.pdf"))]


def forget(d: Disclosure) -> None:
    """Drop what a first check reads from the text and caches on the document (sentences, claims,
    the joined text, the narrative's parts), so each timed check pays for it as the
    first one does."""
    for name in FROM_TEXT:
        d.__dict__.pop(name, None)


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    print(f"{'document':<45} {'extract s':>10} {'check s':>9} {'check/extract':>14}")
    checks = []
    for path in DOCS:
        if not path.exists():
            continue
        d = load(path)
        check(d)   # warm caches (regexes, reference CSVs)
        ex = best(lambda path=path: load(path), runs)
        ck = best(lambda d=d: (forget(d), check(d)), runs)
        checks.append(ck)
        print(f"{path.name:<45} {ex:>10.3f} {ck:>9.3f} {ratio(ck, ex, '>13.2f')}")
    print(f"median check time {statistics.median(checks):.3f} s (goal ≤ 0.100 s beyond extraction)")


if __name__ == "__main__":
    main()
