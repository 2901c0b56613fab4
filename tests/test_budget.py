"""Budgets (部门预算) linked to finals: 完成率 from the department's own budget disclosure,
the final's stated 年初预算 checked against it, and the budget × final panel in the store.
The one real pair in the corpus is 西南大学 2023 (final and budget)."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import SAMPLE, corpus_file, gold

import finacct
from finacct import budget as budget_file
from finacct import check
from finacct.model import Disclosure

FINAL, BUDGET = "chongqing_swu_university_2023_final", "chongqing_swu_university_2023_budget"


@pytest.fixture(scope="module")
def pair() -> tuple[Disclosure, Disclosure]:
    return finacct.load(corpus_file(f"{FINAL}.pdf")), finacct.load(corpus_file(f"{BUDGET}.pdf"))


def test_completion_rate_of_every_item_comes_from_the_budget_document(pair: tuple[Disclosure, Disclosure]) -> None:
    """Each 项's 完成率 in the draft = final t05 / budget b05, both from the hand-made answer keys."""
    final, budget = pair
    text = finacct.explain(final, budget=corpus_file(f"{BUDGET}.pdf"))
    assert "年初预算来源：部门预算 chongqing_swu_university_2023_budget.pdf：b05 财政拨款支出预算表（第10页）" in text
    actual = {f["row"]: f["value"] for f in gold(FINAL)["facts"] if f["table"] == "t05" and f["col"] == "total" and len(f["row"]) == 7}
    planned = {f["row"]: f["value"] for f in gold(BUDGET)["facts"] if f["table"] == "b05" and f["col"] == "total"}
    names = {f["row"]: f["label"] for f in gold(FINAL)["facts"] if f["table"] == "t05"}
    checked = 0
    for code, a in actual.items():
        line = next(ln for ln in text.splitlines() if f"{names[code]}（项）。" in ln and names[code[:5]] in ln)
        if code in planned:
            rate = re.search(r"完成年初预算的\*{0,2}([\d.]+)%", line).group(1)
            assert rate == f"{100 * a / planned[code]:.2f}", line
            checked += 1
        else:
            assert "年初预算未知" in line
    assert checked == 12
    assert "预算含上年结转" in text   # the budget carries 上年结转: said, not hidden


def test_a_corpus_finds_the_same_departments_budget(pair: tuple[Disclosure, Disclosure]) -> None:
    final, budget = pair
    corpus = finacct.Corpus([final, budget])
    assert corpus.budget(final) is budget and corpus.prior(final) is None
    assert budget_file.for_disclosure(final, corpus).lines["2050205"] == 181866.03


def test_a_budget_of_another_year_is_refused(pair: tuple[Disclosure, Disclosure]) -> None:
    final, budget = pair
    budget.year = 2024
    try:
        with pytest.raises(ValueError, match="a 2024 budget cannot give the 2023 年初预算"):
            budget_file.from_document(final, budget)
    finally:
        budget.year = 2023


def test_budget_in_yuan_is_converted_to_the_finals_unit() -> None:
    final = finacct.load(SAMPLE)   # 万元
    b = finacct.load(corpus_file("putuo_district_office_2025_budget.pdf"))   # 元, b09 printed in 万元
    b.year = final.year
    got = budget_file.from_document(final, b)
    assert got.lines["2010301"] == 1202.95 and got.sangong["overseas"] == 839.0
    assert any("部门不同" in n or "不同" in n for n in got.notes)   # another department: said


def _budget_like(sample: Disclosure, lines: dict[str, float]) -> Disclosure:
    facts = pd.DataFrame([{"table": "b05", "row": c, "col": "total", "value": v, "page": 5, "label": c} for c, v in lines.items()])
    return Disclosure(source="budget.pdf", department=sample.department, year=sample.year, unit="万元", kind="budget",
                      template="shanghai_budget", tables={"b05": {"status": "present", "pages": [5]}}, facts=facts)


def test_stated_budget_is_checked_against_the_budget_document() -> None:
    """The sample's 情况说明 states a 年初预算 per 项: a budget printing the same figures agrees;
    one that prints another figure for one line gives one error naming both documents."""
    sample = finacct.load(SAMPLE)
    stated = budget_file.for_disclosure(sample).lines
    agreeing = check(sample, budget=_budget_like(sample, stated))
    rows = agreeing[agreeing["rule"] == "x.budget.stated"]
    assert len(rows) >= 10 and set(rows["status"]) == {"ok"}
    code = next(c for c in stated if len(c) == 7)
    moved = check(sample, budget=_budget_like(sample, {**stated, code: stated[code] + 10}))
    errors = moved[(moved["rule"] == "x.budget.stated") & (moved["status"] == "error")]
    assert len(errors) == 1 and "budget.pdf" in errors.iloc[0]["message"] and sample.source in errors.iloc[0]["message"]


def test_store_gives_budget_against_final_per_class(pair: tuple[Disclosure, Disclosure], tmp_path) -> None:
    from finacct.store import Store
    final, budget = pair
    with Store(tmp_path / "s.duckdb") as s:
        s.add(final, "f")
        s.add(budget, "b")
        rows = s.query("SELECT code, budget, actual, rate_pct FROM budget_execution WHERE level IN ('类', '合计') ORDER BY code")
    got = {r.code: (r.budget, r.actual, r.rate_pct) for r in rows.itertuples()}
    assert got["205"] == (208613.34, 213588.53, 102.38)
    assert got["total"] == (230876.38, 237100.0, 102.7)
    assert pd.isna(got["229"][1])   # budgeted (彩票公益金) but absent from the final's 表4
