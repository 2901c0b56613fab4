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
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import command, median_times  # bench/timing.py: this script's folder is on sys.path

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


def slowest_imports(module: str, top: int = 5) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the slowest imports, from -X importtime."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stderr
    rows = [line.split("|") for line in err.splitlines() if line.startswith("import time:") and "cumulative" not in line]
    return sorted(((int(r[1]), r[2].rstrip()) for r in rows), reverse=True)[:top]


def main() -> None:
    times = {name: median_times(cmd, RUNS) for name, cmd in COMMANDS.items()}
    pandas_wall, pandas_cpu = times["python -c 'import pandas'"]
    print(f"{'command (median of ' + str(RUNS) + ')':<52} {'wall s':>7} {'/ pandas':>9} {'CPU s':>7} {'/ pandas':>9}")
    with tempfile.TemporaryDirectory(prefix="finacct-bench-cache-") as cache:
        times[REPORT + ", empty user cache (1 run)"] = command(COMMANDS[REPORT], env={**os.environ, "XDG_CACHE_HOME": cache})
    for name, (wall, cpu) in times.items():
        print(f"{name:<52} {wall:>7.3f} {wall / pandas_wall:>9.2f} {cpu:>7.3f} {cpu / pandas_cpu:>9.2f}")
    print("\nslowest imports of finacct.cli (cumulative ms):")
    for us, module in slowest_imports("finacct.cli"):
        print(f"  {us / 1000:>7.1f}  {module}")


if __name__ == "__main__":
    main()
