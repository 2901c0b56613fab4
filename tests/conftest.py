"""Shared fixtures: the real corpus and answer keys live beside the checkout (../shared)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "gold"
SAMPLE = ROOT / "data" / "changchun_gov_office_2023.txt"


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {name} is not beside the checkout (../shared/corpus)")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "finacct.cli", *args], capture_output=True, text=True, cwd=ROOT)


def gold(name: str) -> dict:
    path = GOLD / f"{name}.json"
    if not path.exists():
        pytest.skip(f"answer key {name}.json is not beside the checkout (../shared/gold)")
    return json.loads(path.read_text(encoding="utf-8"))
