"""Shared by the benchmarks: the best of several timed runs (the least disturbed one)."""
from __future__ import annotations

import time
from collections.abc import Callable


def best(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
