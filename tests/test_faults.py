"""Faults of the machine, not of the document: a reports folder that is read-only or fills up.
Each runs in a private mount namespace (`unshare -m`) over a small tmpfs, so the real disk is
never filled; the checks run inside it and report back as JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

TEXT = SAMPLE.read_text(encoding="utf-8")


def in_private_mount(tmp_path: Path, script: str) -> dict:
    """Run `script` (Python) with `tmp_path/out` a fresh tmpfs of its own; it prints JSON."""
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs unshare -m (root) to mount a small private filesystem")
    (tmp_path / "out").mkdir()
    (tmp_path / "driver.py").write_text(textwrap.dedent(script), encoding="utf-8")
    run = subprocess.run(["unshare", "-m", sys.executable, str(tmp_path / "driver.py"), str(tmp_path), sys.executable],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


COMMON = """
    import json, subprocess, sys
    from pathlib import Path
    tmp, python = Path(sys.argv[1]), sys.argv[2]
    out = tmp / "out"

    def mount(options):
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(out)], check=True)

    def finacct(*args):
        r = subprocess.run([python, "-m", "finacct.cli", *args], capture_output=True, text=True)
        return {"rc": r.returncode, "stdout": r.stdout, "stderr": r.stderr}
"""


def test_a_read_only_reports_folder_is_named_in_one_line(tmp_path: Path) -> None:
    got = in_private_mount(tmp_path, COMMON + f"""
    mount("ro,size=1m")
    print(json.dumps({{"report": finacct("report", "{SAMPLE}", "--out", str(out / "r")),
                      "batch": finacct("batch", "{SAMPLE.parent}", "--out", str(out / "b"), "--quiet")}}))
    """)
    for command, folder in (("report", "r"), ("batch", "b")):
        r = got[command]
        assert r["rc"] == 2 and "Traceback" not in r["stderr"]
        assert r["stderr"].strip() == f"finacct: {tmp_path / 'out' / folder}: Read-only file system"   # not the input's path


def test_a_full_disk_loses_nothing_and_the_rerun_completes(tmp_path: Path) -> None:
    """Four documents into a folder with room for about one report: the batch ends without a
    traceback, every document it could not write is a failure saying so, and what is on disk
    is whole and in the store. With room again, a plain rerun builds the rest."""
    src = tmp_path / "docs"
    src.mkdir()
    for year in (2020, 2021, 2022, 2023):
        (src / f"gov_{year}.txt").write_text(TEXT.replace("2023", str(year)), encoding="utf-8")
    got = in_private_mount(tmp_path, COMMON + f"""
    import duckdb

    def seen():
        reports = sorted(str(m.parent.relative_to(out)) for m in out.glob("*/*/manifest.json"))
        whole = all((out / r / name).stat().st_size > 0 for r in reports for name in ("report.html", "manifest.json"))
        stored = []
        if (out / "finacct.duckdb").exists():
            with duckdb.connect(str(out / "finacct.duckdb"), read_only=True) as con:
                stored = sorted(str(y) for (y,) in con.execute("SELECT year FROM documents").fetchall())
        state = json.loads((out / ".finacct-batch.json").read_text()) if (out / ".finacct-batch.json").exists() else {{}}
        return {{"reports": reports, "whole": whole, "stored": stored, "failures": state.get("failures", {{}})}}

    mount("size=2500k")
    first = finacct("batch", "{src}", "--out", str(out), "--workers", "1", "--quiet")
    full = seen()
    subprocess.run(["mount", "-o", "remount,size=200m", str(out)], check=True)
    second = finacct("batch", "{src}", "--out", str(out), "--workers", "1", "--quiet")
    print(json.dumps({{"first": first, "full": full, "second": second, "after": seen()}}))
    """)
    first, full = got["first"], got["full"]
    assert "Traceback" not in first["stderr"]
    assert len(full["reports"]) < 4, "the disk was not filled: make the tmpfs smaller"
    assert "No space left on device" in first["stderr"]
    assert full["whole"] and full["stored"] == sorted(r.split("/")[1] for r in full["reports"])
    assert len(full["failures"]) == 4 - len(full["reports"])
    assert all("No space left on device" in f["reason"] for f in full["failures"].values())

    second, after = got["second"], got["after"]
    assert second["rc"] == 0 and "Traceback" not in second["stderr"], second["stderr"]
    assert len(after["reports"]) == 4 and after["whole"] and not after["failures"]
    assert after["stored"] == ["2020", "2021", "2022", "2023"]
