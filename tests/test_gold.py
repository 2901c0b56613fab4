"""Every answer key in ../shared/gold, scored by the shared scorer on `finacct extract --json`."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import CORPUS, GOLD, SHARED, run_cli

KEYS = sorted(p.stem for p in GOLD.glob("*.json")) if GOLD.exists() else []


@pytest.mark.parametrize("name", KEYS or [pytest.param("none", marks=pytest.mark.skip(reason="no ../shared/gold beside the checkout"))])
def test_extract_scores_perfectly_against_answer_key(name: str) -> None:
    source = next(CORPUS.glob(f"{name}.*"), None)
    if source is None:
        pytest.skip(f"no corpus document for answer key {name}")
    out = run_cli("extract", str(source), "--json")
    assert out.returncode == 0, out.stderr
    score = subprocess.run([sys.executable, str(SHARED / "tools" / "score_extract.py"), str(GOLD / f"{name}.json"), "-"],
                           input=out.stdout, capture_output=True, text=True).stdout
    last = score.strip().splitlines()[-1]
    f1, tables = re.search(r"F1=([\d.]+)", last).group(1), re.search(r"tables=(\d+)/9", last).group(1)
    assert (f1, tables) == ("1.000", "9"), score
    key, got = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8")), json.loads(out.stdout)
    meta = ("department", "year", "unit", "kind", "template")
    assert {m: got.get(m) for m in meta} == {m: key.get(m, {"kind": "final", "template": "local"}.get(m)) for m in meta}
    assert {t: e.get("unit") for t, e in got["tables"].items() if e.get("unit")} == {t: e["unit"] for t, e in key["tables"].items() if e.get("unit")}


@pytest.mark.parametrize("name", ["putuo_finance_2024", "putuo_planning_resources_2024"])
def test_pdf_rows_without_rulings_match_answer_key(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Producers that draw no table lines: rows come from baselines alone."""
    from conftest import corpus_file, gold

    import finacct
    from finacct.extract import pdf
    monkeypatch.setattr(pdf, "_rules", lambda page, frame: ([], []))
    d = finacct.load(corpus_file(f"{name}.pdf"))
    expected = {(f["table"], f["row"], f["col"]): f["value"] for f in gold(name)["facts"]}
    got = {(f.table, f.row, f.col): f.value for f in d.facts.itertuples()}
    assert got == expected
