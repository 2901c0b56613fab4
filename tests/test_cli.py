"""The command line never surprises: help for every option, a version, one line and exit 2 for
an input that is not there, and an exit status CI can use."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, run_cli

import finacct
from finacct.cli import parser


def _subparsers(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a.choices for a in top._actions if isinstance(a, argparse._SubParsersAction))


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"finacct {finacct.__version__}"


def test_every_argument_has_help_and_help_shows_defaults() -> None:
    for name, sub in _subparsers(parser()).items():
        for action in sub._actions:
            assert action.help and action.help.strip(), f"finacct {name} {action.dest} has no help text"
    out = run_cli("batch", "--help")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "seconds one document may take, its whole report (no cell has a limit of its own) (default: 300)" in text
    assert "(default: 4096)" in text and "(default: reports)" in text and "(default: local)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    check = " ".join(run_cli("check", "--help").stdout.split())
    assert "--fail-on {error,rounding,none}" in check and "(default: none)" in check


def test_help_imports_neither_pandas_nor_the_reader() -> None:
    """`--help` answers without the heavy imports (timings are in bench/cli.py)."""
    code = ("import sys\nfrom finacct.cli import main\ntry:\n    main(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'altair', 'finacct.load', 'finacct.reconcile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("args", [("extract", "no/such.pdf"), ("check", "no/such.pdf"), ("report", "no/such.pdf"),
                                  ("report", str(SAMPLE), "--prior", "no/such.pdf"),
                                  ("report", str(SAMPLE), "--budget", "no/such.pdf")])
def test_a_missing_file_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    out = run_cli(*args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == ["finacct: no/such.pdf: no such file"]


def test_batch_needs_a_folder(tmp_path: Path) -> None:
    missing = run_cli("batch", str(tmp_path / "nope"), "--out", str(tmp_path / "reports"))
    assert missing.returncode == 2 and missing.stderr.splitlines() == [f"finacct: {tmp_path / 'nope'}: no such directory"]
    a_file = run_cli("batch", str(SAMPLE), "--strict", "--out", str(tmp_path / "reports"))
    assert a_file.returncode == 2 and a_file.stderr.splitlines() == [f"finacct: {SAMPLE}: not a directory"]
    assert not (tmp_path / "reports").exists()


def test_check_fail_on_error_exits_1_for_ci() -> None:
    """The sample has 2 errors: the default reports them and exits 0; --fail-on error exits 1."""
    plain = run_cli("check", str(SAMPLE))
    assert plain.returncode == 0 and "error 2" in plain.stdout
    assert run_cli("check", str(SAMPLE), "--fail-on", "error").returncode == 1
    assert run_cli("check", str(SAMPLE), "--json", "--fail-on", "rounding").returncode == 1
    assert run_cli("check", str(SAMPLE), "--fail-on", "none").returncode == 0
