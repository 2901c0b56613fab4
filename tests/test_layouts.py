"""The PDF reader on layouts the corpus does not have.

Each tests/fixtures/layouts/<name>.pdf re-typesets the exact facts of the embedded sample
(data/changchun_gov_office_2023.txt) in one real-world layout variant: split 类|款|项 code
columns, values in 元, landscape pages with repeated headers, unruled tables with codes inside
the names, two-sided tables, a /Rotate 90 page. <name>.expected.json says what finacct must
read from it (make.py beside them regenerates both). A reader tuned to the corpus alone would
silently mis-read these, so each is scored as /work/shared/tools/score_extract.py does:
cells keyed (table, row, col), values within 0.005, 0-valued cells left out on both sides.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import finacct

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
CASES = sorted(LAYOUTS.glob("*.expected.json"))
Key = tuple[str, str, str]


def _cells(facts: Iterable[dict[str, Any]]) -> dict[Key, float]:
    out: dict[Key, float] = {}
    for f in facts:
        v = float(f["value"])
        if not math.isnan(v) and abs(v) >= 0.005:
            out[(str(f["table"]), str(f["row"]), str(f["col"]))] = v
    return out


@pytest.mark.parametrize("key", CASES, ids=[p.name.removesuffix(".expected.json") for p in CASES])
def test_layout(key: Path) -> None:
    want = json.loads(key.read_text(encoding="utf-8"))
    d = finacct.load(key.with_name(want["source"]))
    gold, got = _cells(want["facts"]), _cells(d.facts.to_dict("records"))
    hit = {k for k in gold if k in got and abs(gold[k] - got[k]) < 0.005}
    recall, precision = len(hit) / len(gold), (len(hit) / len(got) if got else 0.0)
    f1 = 2 * recall * precision / (recall + precision) if hit else 0.0
    tables = d.to_contract()["tables"]  # a table the template does not contain is not_required there
    problems = [f"{k}: want {v} got {(tables.get(k) or {}).get('status', 'missing')}"
                for k, v in ((t, w["status"]) for t, w in want["tables"].items())
                if (tables.get(k) or {}).get("status", "missing") != v]
    problems += [f"{k}: printed unit want {w['unit']} got {(tables.get(k) or {}).get('unit')}"
                 for k, w in want["tables"].items() if "unit" in w and (tables.get(k) or {}).get("unit") != w["unit"]]
    problems += [f"{k}: want {want[k]} got {getattr(d, k)}" for k in ("kind", "template") if k in want and getattr(d, k) != want[k]]
    if (d.department, d.year, d.unit) != (want["department"], want["year"], want["unit"]):
        problems.append(f"meta: want {want['department']} {want['year']} {want['unit']}, got {d.department} {d.year} {d.unit}")
    if f1 < 0.99:
        wrong = sorted(k for k in gold if k in got and k not in hit)
        missed = sorted(k for k in gold if k not in got)
        extra = sorted(k for k in got if k not in gold)
        problems.append(f"F1={f1:.3f} recall={recall:.3f} precision={precision:.3f}; wrong {len(wrong)} {wrong[:5]}, "
                        f"missed {len(missed)} {missed[:5]}, extra {len(extra)} {extra[:5]}")
    assert not problems, "\n".join(problems + [f"warning: {w}" for w in d.warnings[:10]])


def test_scrambled_columns_are_withheld_not_emitted() -> None:
    """支出决算表 printed with its amount columns in another order than its header names them
    (tests/fixtures/scrambled/make.py): its own column sums fail, so t03 is withheld with a
    warning naming it, while the 收入决算表 beside it is read in full."""
    d = finacct.load(LAYOUTS.parent / "scrambled" / "scrambled.pdf")
    assert d.tables["t03"]["status"] == "present" and d.tables["t03"]["unreadable"]
    assert d.facts[d.facts["table"] == "t03"].empty
    assert any(w.startswith("t03 (支出决算表) p2: unreadable") for w in d.warnings)
    sample = finacct.load(LAYOUTS.parents[2] / "data" / "changchun_gov_office_2023.txt")
    want = {(r, c): v for t, r, c, v in zip(sample.facts["table"], sample.facts["row"], sample.facts["col"], sample.facts["value"])
            if t == "t02" and c in ("total", "appropriation", "other") and v}
    got = {(r, c): v for t, r, c, v in zip(d.facts["table"], d.facts["row"], d.facts["col"], d.facts["value"]) if t == "t02" and v}
    assert got == want and d.tables["t02"]["confidence"] == 1.0
