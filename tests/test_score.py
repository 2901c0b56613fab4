"""The transparency score: a rubric as data, judged on every corpus document with the
evidence for each point, carried in `check --json`, the store and a ranking chart."""
from __future__ import annotations

import json

import pytest
from conftest import CORPUS, SAMPLE, run_cli

import finacct
from finacct import check
from finacct.reconcile.score import JUDGES, rubric

DOCS = [SAMPLE, *sorted(CORPUS.glob("*.pdf"))] if CORPUS.exists() else [SAMPLE]


def test_rubric_is_data_that_adds_up_to_100() -> None:
    items = rubric()["items"]
    assert sum(i["max"] for i in items) == 100
    assert len({i["id"] for i in items}) == len(items) and all(i["check"] in JUDGES for i in items)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_document_is_scored_with_evidence(path) -> None:
    out = run_cli("check", str(path), "--json")
    assert out.returncode == 0, out.stderr
    score = json.loads(out.stdout)["score"]
    assert score["rubric"] == "finacct-transparency/1" and 0 <= score["value"] <= 100
    assert score["items"] and all(i["evidence"] and 0 <= i["points"] <= i["max"] for i in score["items"])
    total = sum(i["max"] for i in score["items"])
    assert score["value"] == round(100 * sum(i["points"] for i in score["items"]) / total, 1)


def test_sample_score_and_its_evidence() -> None:
    """长春 2023: everything is disclosed; one table inconsistency (2299999 vs 2299901) halves
    the consistency item."""
    s = check(finacct.load(SAMPLE)).score
    items = {i.id: i for i in s.items}
    assert s.value == 95.0
    assert items["tables_consistent"].points == 5.0 and "1 项错误" in items["tables_consistent"].evidence
    assert items["performance"].points == 10.0 and "3 张项目绩效自评表" in items["performance"].evidence
    assert items["assets"].evidence.startswith("第1367行") and "共有车辆3辆" in items["assets"].evidence


def test_budget_is_scored_on_what_a_budget_discloses() -> None:
    path = CORPUS / "putuo_wanli_street_2024_budget.pdf"
    if not path.exists():
        pytest.skip("corpus is not beside the checkout")
    s = check(finacct.load(path)).score
    ids = {i.id for i in s.items}
    assert {"narrative", "sangong_reasons", "narrative_consistent"}.isdisjoint(ids) and "sangong_split" in ids
    assert s.value == 85.7   # 60 of 70: no 绩效目标表 in the document


def test_score_reaches_the_store_and_the_ranking_chart(tmp_path) -> None:
    from finacct import charts
    from finacct.store import Store
    d = finacct.load(SAMPLE)
    f = check(d)
    with Store(tmp_path / "s.duckdb") as store:
        store.add(d, "sample", f, score=f.score.to_contract())
        row = store.query("SELECT score, score_json FROM documents")
    assert row.iloc[0]["score"] == 95.0 and json.loads(row.iloc[0]["score_json"])["items"][0]["id"] == "tables"
    chart = charts.score_ranking(row.assign(department=d.department, year=d.year))
    assert chart.to_dict()["encoding"]["x"]["field"] == "score"
