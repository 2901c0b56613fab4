"""Shared fixtures: the real corpus and answer keys live beside the checkout (../shared)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from finacct.model import Disclosure

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "gold"
SAMPLE = ROOT / "data" / "changchun_gov_office_2023.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def in_yuan(d: Disclosure) -> Disclosure:
    """The same disclosure printed in 元: every cell × 10 000, to the 分 (its text, and so its claims, unchanged)."""
    return replace(d, unit="元", facts=d.facts.assign(value=(d.facts["value"].astype(float) * 10_000).round(2)))


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


def render_offline(page: Path) -> str:
    """The DOM after scripts ran, in headless Chromium with every host unresolvable."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                              "--disable-background-networking", "--disable-component-update", "--disable-sync",
                              "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
                              f"--user-data-dir={profile}", "--virtual-time-budget=8000", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=120)
    return out.stdout


def charts_drawn(dom: str) -> tuple[int, int]:
    """(charts, charts drawn as SVG) in a page render_offline returned: vega-embed puts an
    <svg> first inside each chart's div."""
    firsts = re.findall(r"<div[^>]*class=\"finacct-chart[^\"]*\"[^>]*>\s*(<\w*)", dom)
    return len(firsts), firsts.count("<svg")


def docs_folder(folder: Path, *corpus_names: str) -> Path:
    """A folder of documents to batch: the sample, the named corpus files and a PDF cut short
    (a document that cannot be read). Skips when the corpus is not beside the checkout."""
    if not CORPUS.exists():
        pytest.skip("corpus is not beside the checkout (../shared/corpus)")
    shutil.copy(SAMPLE, folder)
    for name in corpus_names:
        shutil.copy(corpus_file(name), folder)
    (folder / "broken.pdf").write_bytes(corpus_file("putuo_finance_2024.pdf").read_bytes()[:5000])
    return folder
