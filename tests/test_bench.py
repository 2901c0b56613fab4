"""The benchmarks under bench/ still run: they are not timed here (their figures are read by
people), but an API they use that moves would otherwise break them unseen, as the overview's
scores query once did."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import CORPUS, ROOT


def bench(*args: str) -> str:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_every_benchmark_imports_what_it_uses() -> None:
    """The scripts share bench/timing.py (and the heavier ones are not run here): each at least
    finds the names it imports."""
    out = subprocess.run([sys.executable, "-c", "import batch, check, cli, extract, ocr, store, timing"],
                         capture_output=True, text=True, cwd=ROOT / "bench", timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_the_store_benchmark_runs_on_a_small_store() -> None:
    out = bench("bench/store.py", "--sizes", "20")
    assert "Corpus.open" in out and "overview.scores" in out and "budget_execution" in out


def test_the_check_benchmark_runs_on_the_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    assert "median check time" in bench("bench/check.py", "--runs", "1")
