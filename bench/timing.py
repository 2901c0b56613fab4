"""Shared by the benchmarks: timers (wall and CPU seconds, of a function, a block or a command
in a fresh process), the best or the median of several runs, and ratios to a baseline."""
from __future__ import annotations

import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds one run of fn takes: wall, or CPU with clock=time.process_time."""
    t = clock()
    fn()
    return clock() - t


def alternately(fns: list[Callable[[], object]], runs: int, clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Best seconds of each function, run in turn `runs` times (a busy spell slows all alike)."""
    times = [[seconds(fn, clock) for fn in fns] for _ in range(runs)]
    return [min(seen) for seen in zip(*times)]


def best(fn: Callable[[], object], runs: int = 5, clock: Callable[[], float] = time.perf_counter) -> float:
    """The best of several timed runs (the least disturbed one)."""
    return alternately([fn], runs, clock)[0]


def _cpu(*who: int) -> float:
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, who))


def cpu_with_children() -> float:
    """CPU seconds of this process and of the children it waited for (workers, and theirs)."""
    return _cpu(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)


def children_cpu() -> float:
    """CPU seconds of the children this process waited for."""
    return _cpu(resource.RUSAGE_CHILDREN)


class Stopwatch:
    """Wall and CPU seconds of a with block (`with Stopwatch() as took: …`, then took.wall and
    took.cpu); CPU as `cpu` counts it: this process's (all its threads) unless told."""

    def __init__(self, cpu: Callable[[], float] = time.process_time) -> None:
        self._cpu = cpu
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._started[0], self._cpu() - self._started[1]


def command(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one run of cmd in a fresh process from the checkout (CPU: it and
    the children it waited for), into a new temporary folder where cmd says {out}."""
    with tempfile.TemporaryDirectory(prefix="finacct-bench-") as out, Stopwatch(children_cpu) as took:
        subprocess.run([a.replace("{out}", out) for a in cmd], check=True, capture_output=True, cwd=ROOT, env=env)
    return took.wall, took.cpu


def median_times(cmd: list[str], runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of `runs` runs of cmd, each a fresh process."""
    times = [command(cmd) for _ in range(runs)]
    return statistics.median(w for w, _ in times), statistics.median(c for _, c in times)


def ratio(took: float, baseline: float, spec: str = ".2f", sign: str = "x") -> str:
    """took as a multiple of baseline, formatted by `spec`: '1.42x'."""
    return f"{took / baseline:{spec}}{sign}"
