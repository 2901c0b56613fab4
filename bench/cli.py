"""How fast the command line answers before it has work to do.

    python bench/cli.py

Prints the median of 5 runs (each a fresh process) of `finacct --help`, of importing
finacct.cli and of `import finacct` beside `import pandas` (the baseline, measured in the same
run), with their ratios to it; the goal is `finacct --help` under 0.3 s. Then the slowest
imports of finacct.cli from `python -X importtime`."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
COMMANDS = {
    "finacct --help": [sys.executable, "-m", "finacct.cli", "--help"],
    "python -c 'import finacct.cli'": [sys.executable, "-c", "import finacct.cli"],
    "python -c 'import finacct'": [sys.executable, "-c", "import finacct"],
    "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
}


def median_seconds(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def slowest_imports(module: str, top: int = 5) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the slowest imports, from -X importtime."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stderr
    rows = [line.split("|") for line in err.splitlines() if line.startswith("import time:") and "cumulative" not in line]
    return sorted(((int(r[1]), r[2].rstrip()) for r in rows), reverse=True)[:top]


def main() -> None:
    times = {name: median_seconds(cmd) for name, cmd in COMMANDS.items()}
    pandas = times["python -c 'import pandas'"]
    print(f"{'command (median of ' + str(RUNS) + ')':<34} {'s':>6} {'/ import pandas':>16}")
    for name, s in times.items():
        print(f"{name:<34} {s:>6.3f} {s / pandas:>16.2f}")
    print("\nslowest imports of finacct.cli (cumulative ms):")
    for us, module in slowest_imports("finacct.cli"):
        print(f"  {us / 1000:>7.1f}  {module}")


if __name__ == "__main__":
    main()
