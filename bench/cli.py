"""How fast the command line answers, before it has work to do and with one report to make.

    python bench/cli.py

Prints the median of 5 runs (each a fresh process) of `finacct --help`, of importing
finacct.cli, of `import finacct` and of a cold `finacct report data/<sample>` into a new
folder, beside `import pandas` (the baseline, measured in the same run), with wall and CPU
seconds (the process and everything it waited for: the report's kernel) and their ratios to
the baseline; then one cold report with an empty user cache (the Vega bundle built again by
vl-convert, as on a machine's first report). Goals: `finacct --help` under 0.3 s, a cold
report ≤ 8× the pandas import. Then the slowest imports of finacct.cli from `python -X importtime`."""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
SAMPLE = "data/changchun_gov_office_2023.txt"
REPORT = "finacct report " + SAMPLE
COMMANDS = {
    "finacct --help": [sys.executable, "-m", "finacct.cli", "--help"],
    "python -c 'import finacct.cli'": [sys.executable, "-c", "import finacct.cli"],
    "python -c 'import finacct'": [sys.executable, "-c", "import finacct"],
    REPORT: [sys.executable, "-m", "finacct.cli", "report", SAMPLE, "--out", "{out}"],
    "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
}


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one run of cmd (CPU: it and the children it waited for), into a
    new temporary folder where cmd says {out}."""
    with tempfile.TemporaryDirectory(prefix="finacct-bench-") as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([a.replace("{out}", out) for a in cmd], check=True, capture_output=True, cwd=ROOT, env=env)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def median_times(cmd: list[str]) -> tuple[float, float]:
    runs = [timed(cmd) for _ in range(RUNS)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def slowest_imports(module: str, top: int = 5) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the slowest imports, from -X importtime."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stderr
    rows = [line.split("|") for line in err.splitlines() if line.startswith("import time:") and "cumulative" not in line]
    return sorted(((int(r[1]), r[2].rstrip()) for r in rows), reverse=True)[:top]


def main() -> None:
    times = {name: median_times(cmd) for name, cmd in COMMANDS.items()}
    pandas_wall, pandas_cpu = times["python -c 'import pandas'"]
    print(f"{'command (median of ' + str(RUNS) + ')':<52} {'wall s':>7} {'/ pandas':>9} {'CPU s':>7} {'/ pandas':>9}")
    for name, (wall, cpu) in times.items():
        print(f"{name:<52} {wall:>7.3f} {wall / pandas_wall:>9.2f} {cpu:>7.3f} {cpu / pandas_cpu:>9.2f}")
    with tempfile.TemporaryDirectory(prefix="finacct-bench-cache-") as cache:
        wall, cpu = timed(COMMANDS[REPORT], env={**os.environ, "XDG_CACHE_HOME": cache})
    print(f"{REPORT + ', empty user cache (1 run)':<52} {wall:>7.3f} {wall / pandas_wall:>9.2f} {cpu:>7.3f} {cpu / pandas_cpu:>9.2f}")
    print("\nslowest imports of finacct.cli (cumulative ms):")
    for us, module in slowest_imports("finacct.cli"):
        print(f"  {us / 1000:>7.1f}  {module}")


if __name__ == "__main__":
    main()
