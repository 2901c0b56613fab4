"""Reports per minute over a folder of 40 documents with 1 and 2 workers, the cost of one
report split into kernel start, extraction, notebook execution and HTML export, and the Dask
executor's overhead over the local one (both with 2 workers, same folder, same run).

    python bench/batch.py [N]        (default 40 copies of the embedded sample and corpus PDFs)

Goal: ≤ 3 s per report with one worker, ≥ 1.7× speed-up with two."""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from finacct import batch

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "data" / "changchun_gov_office_2023.txt",
           *sorted(p for p in (ROOT.parent / "shared" / "corpus").glob("putuo_*.pdf"))]


def folder(n: int) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="finacct-bench-"))
    for i in range(n):
        src = SOURCES[i % len(SOURCES)]
        shutil.copy(src, tmp / f"{i:03d}-{src.name}")
    return tmp


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    docs = folder(n)
    print(f"{n} documents ({', '.join(p.name for p in SOURCES)} in turn)")
    walls = {}
    for workers in (1, 2):
        out = Path(tempfile.mkdtemp(prefix="finacct-bench-out-"))
        t = time.perf_counter()
        results = batch.run(docs, out, workers=workers, progress=False, store=False)
        walls[workers] = time.perf_counter() - t
        ok = [r for r in results if r["status"] == "ok"]
        print(f"{workers} worker(s): {len(ok)}/{n} ok in {walls[workers]:.1f} s = {walls[workers] / n:.2f} s/report, "
              f"{60 * n / walls[workers]:.0f} reports/min")
        if workers == 1:
            for part in ("kernel_start", "extraction", "execution", "html_export", "total"):
                vals = [r["seconds"].get(part, 0.0) for r in ok]
                print(f"   {part:<13} median {statistics.median(vals):.3f} s  (first {vals[0]:.3f} s)")
        shutil.rmtree(out, ignore_errors=True)
    print(f"speed-up with 2 workers: {walls[1] / walls[2]:.2f}x")
    out = Path(tempfile.mkdtemp(prefix="finacct-bench-out-"))
    t = time.perf_counter()
    results = batch.run(docs, out, workers=2, executor="dask", progress=False, store=False)
    wall = time.perf_counter() - t
    ok = sum(r["status"] == "ok" for r in results)
    print(f"dask executor (LocalCluster, 2 workers): {ok}/{n} ok in {wall:.1f} s = {wall / n:.2f} s/report, "
          f"{wall / walls[2]:.2f}x the local executor's time (cluster start, probe, scheduling)")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(docs, ignore_errors=True)


if __name__ == "__main__":
    main()
