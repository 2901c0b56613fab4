"""Reports per minute over a folder of 40 documents with 1 and 2 workers, the cost of one
report split into the worker's warm-up, notebook execution and HTML export, the reports' sizes, and
the Dask executor's overhead over the local one (both with 2 workers, same folder, same run).
Times are also given as ratios to a process that only imports pandas, timed in the same run,
so runs on different machines compare; CPU seconds (the batch and its workers) beside wall
seconds, as a machine busy with other work stretches wall time only; and a sample of how the
host scales two processes, taken right after (a shared host's two cores may not give 2x, and
one busy core may run faster than two).

    python bench/batch.py [N] [--no-dask]   (default 40 copies of the embedded sample and corpus PDFs)

Goals: a warm report ≤ 1.5× the pandas import, ≥ 1.8× speed-up with two workers, report.html
≤ 400 KB."""
from __future__ import annotations

import multiprocessing as mp
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from timing import Stopwatch, cpu_with_children, median_times, ratio  # bench/timing.py: this script's folder is on sys.path

from finacct import batch

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "data" / "changchun_gov_office_2023.txt",
           *sorted(p for p in (ROOT.parent / "shared" / "corpus").glob("putuo_*.pdf"))]
PANDAS = [sys.executable, "-c", "import pandas"]


def folder(n: int) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="finacct-bench-"))
    for i in range(n):
        src = SOURCES[i % len(SOURCES)]
        shutil.copy(src, tmp / f"{i:03d}-{src.name}")
    return tmp


def sizes(results: list[dict]) -> list[int]:
    return sorted((Path(r["dir"]) / "report.html").stat().st_size for r in results if r["status"] == "ok")


def parts(ok: list[dict], pandas: float) -> None:
    """Each part of a report's cost in the worker: median, first report, median / pandas import."""
    for part in ("warm_up", "execution", "html_export", "total"):
        vals = [r["seconds"].get(part, 0.0) for r in ok]
        print(f"   {part:<13} median {statistics.median(vals):.3f} s  (first {vals[0]:.3f} s)  "
              f"{ratio(statistics.median(vals), pandas)} import pandas")


def _spin(units: int) -> None:
    for _ in range(units):
        sum(i * i % 7 for i in range(1_000_000))


def host_scaling(units: int = 8) -> float:
    """How this host scales two processes now: the same pure-Python work done by one process,
    then split over two (a host whose cores are shared, or that clocks one busy core higher,
    gives less than 2x). A sample of a minute, not a bound on the batch's figure."""
    ctx = mp.get_context("spawn")

    def run(shares: list[int]) -> float:
        procs = [ctx.Process(target=_spin, args=(k,)) for k in shares]
        with Stopwatch() as took:
            for p in procs:
                p.start()
            for p in procs:
                p.join()
        return took.wall
    return statistics.median(run([units]) / run([units // 2] * 2) for _ in range(3))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 40
    docs = folder(n)
    pandas, pandas_cpu = median_times(PANDAS)
    print(f"{n} documents ({', '.join(p.name for p in SOURCES)} in turn); python -c 'import pandas': {pandas:.3f} s wall, "
          f"{pandas_cpu:.3f} s CPU")
    walls = {}
    for workers in (1, 2):
        out = Path(tempfile.mkdtemp(prefix="finacct-bench-out-"))
        with Stopwatch(cpu_with_children) as took:   # the batch and its workers
            results = batch.run(docs, out, workers=workers, progress=False, store=False)
        walls[workers], cpu = took.wall, took.cpu
        ok = [r for r in results if r["status"] == "ok"]
        print(f"{workers} worker(s): {len(ok)}/{n} ok in {walls[workers]:.1f} s = {walls[workers] / n:.2f} s/report "
              f"({ratio(walls[workers] / n, pandas)} import pandas), {60 * n / walls[workers]:.0f} reports/min; "
              f"CPU {cpu / n:.2f} s/report ({ratio(cpu / n, pandas_cpu)} import pandas)")
        if workers == 1:
            parts(ok, pandas)
            html = sizes(ok)
            shared = sum(p.stat().st_size for p in (out / "_static").glob("*"))
            print(f"   report.html   median {statistics.median(html) / 1024:.0f} KB, largest {html[-1] / 1024:.0f} KB; "
                  f"_static/ {shared / 1024:.0f} KB once")
            with Stopwatch() as took:
                again = batch.run(docs, out, workers=workers, progress=False, store=False)
            print(f"   rerun, nothing changed: {sum(r['status'] == 'skipped' for r in again)}/{n} skipped in {took.wall:.1f} s")
        shutil.rmtree(out, ignore_errors=True)
    print(f"speed-up with 2 workers: {ratio(walls[1], walls[2])} (the host right after: pure-Python work in two processes "
          f"{host_scaling():.2f}x one)")
    if "--no-dask" not in sys.argv:
        out = Path(tempfile.mkdtemp(prefix="finacct-bench-out-"))
        with Stopwatch() as took:
            results = batch.run(docs, out, workers=2, executor="dask", progress=False, store=False)
        wall = took.wall
        ok = sum(r["status"] == "ok" for r in results)
        print(f"dask executor (LocalCluster, 2 workers): {ok}/{n} ok in {wall:.1f} s = {wall / n:.2f} s/report, "
              f"{ratio(wall, walls[2])} the local executor's time (cluster start, probe, scheduling)")
        shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(docs, ignore_errors=True)


if __name__ == "__main__":
    main()
