"""explain(): the draft 情况说明 reproduces the department's own numbers from the tables,
names drivers only when last year is loaded, and says so when it is not."""
from __future__ import annotations

import re

from conftest import SAMPLE, corpus_file

from finacct import Corpus, explain, load
from finacct.narrative.compare import compare
from finacct.narrative.drivers import drivers, phrase


def _numbers(text: str) -> set[float]:
    return {float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def test_draft_reproduces_every_number_the_sample_states() -> None:
    d = load(SAMPLE)
    draft = explain(d)
    found = _numbers(draft)
    stated = [(c.key, attr, abs(getattr(c, attr))) for c in d.claims
              for attr in ("amount", "budget", "change", "change_pct", "share_pct", "rate_pct")
              if getattr(c, attr) and (attr != "amount" or c.amount_text)]
    assert len(stated) > 100
    missing = [s for s in stated if s[2] not in found]
    assert not missing, missing
    # a few, read in context
    assert "收入支出总计6,901.84万元。与2022年度相比，收入支出总计增加658.40万元，增长10.55%" in draft
    assert "年初预算为134.82万元，支出决算为444.03万元，**完成年初预算的329.35%**" in draft
    assert "“三公”经费财政拨款支出年初预算为43.37万元，支出决算为3.66万元，完成预算的8.44%" in draft
    assert "公务接待费：预算31.37万元，决算0.02万元，完成预算的0.06%，占“三公”经费决算的0.55%" in draft
    assert "机关运行经费347.07万元，较上年减少33.53万元（下降8.81%）。决算表不含此项" in draft
    assert "未达成指标：购置设备数量（目标>=50个，实际47个）" in draft


def test_draft_without_last_year_says_so_and_invents_no_cause() -> None:
    d = load(corpus_file("putuo_finance_2024.pdf"))
    draft = explain(d)
    assert "上年分项数据未加载，无法由数据指出增减来源" in draft
    assert "主要是" not in draft
    # the narrative's own stated change still gives the prior year: 2995.39 − (−56.95)
    assert "收入支出总计减少56.95万元，下降1.87%" in draft
    # 0.3 (a wrong figure in the document) is not copied: the draft says what t04 prints
    assert "财政拨款收入支出总计2,961.68万元" in draft
    # nor taken as last year's (0.3 "持平"): no change against it, and the draft says why
    section = draft.split("财政拨款收入支出总计2,961.68万元", 1)[1].split("\n", 1)[0]
    assert "增加" not in section and "增长" not in section and "无法与上年比较" in section
    assert "情况说明所述“0.3万元”与表中2,961.68万元不符，未据以推算上年数" in draft


def test_draft_with_last_year_names_the_rows_that_moved() -> None:
    """A previous year built from the sample with one line moved: the cause names that line."""
    d = load(SAMPLE)
    prior = load(SAMPLE)
    prior.year = 2022
    moved = (prior.facts["table"] == "t05") & (prior.facts["row"].isin(["2080501", "20805", "208", "total"])) & (prior.facts["col"] == "total")
    prior.facts.loc[moved, "value"] = prior.facts.loc[moved, "value"] - 309.21
    corpus = Corpus([d, prior])
    assert corpus.prior(d) is prior
    found = drivers(d, prior)
    assert [(x.code, x.delta, x.share) for x in found] == [("2080501", 309.21, 100.0)]
    assert phrase(found) == "主要是行政单位离退休增加309.21万元（占增加额的100%）"
    draft = explain(d, prior=corpus)
    assert "一般公共预算财政拨款支出增加309.21万元" in draft and "主要是行政单位离退休增加309.21万元" in draft


def test_budget_file_gives_completion_rates(tmp_path) -> None:
    d = load(corpus_file("putuo_finance_2024.pdf"))
    path = tmp_path / "budget.csv"
    path.write_text("code,budget,name\n2010601,1560.05,行政运行\n2010602,10.00,一般行政管理事务\n", encoding="utf-8")
    draft = explain(d, budget=str(path))
    assert "年初预算为1,560.05万元，支出决算为1,511.89万元，**完成年初预算的96.91%**" in draft
    assert "年初预算为10.00万元，支出决算为10.00万元，完成年初预算的100.00%" in draft
    assert "财政委托业务支出（项）。支出决算为449.52万元；年初预算未知" in draft


def test_corpus_matches_departments_across_name_variants() -> None:
    a, b = load(SAMPLE), load(SAMPLE)
    b.year, b.department = 2022, "长春市人民政府办公厅（本级）"
    assert Corpus([a, b]).prior(a) is b
    b.department = "长春市人民政府"
    assert Corpus([a, b]).prior(a) is None


def test_compare_sets_stated_numbers_beside_recomputed_ones() -> None:
    c = compare(load(corpus_file("putuo_finance_2024.pdf")))
    wrong = c[c["status"] == "error"]
    assert set(wrong["stated"]) == {0.3, 71.73}
    row = c[c["stated"] == 71.73].iloc[0]
    assert row["recomputed"] == 71.65 and row["page"] == 21


def test_sections_are_numbered_without_gaps_for_a_template_without_some_tables() -> None:
    """A university final has no t04–t09 of its own: its draft reads 一 to 五, not 一、二、三、五、十."""
    text = explain(load(corpus_file("chongqing_swu_university_2023_final.pdf")))
    headings = re.findall(r"^## (.+?)、(.+)$", text, flags=re.M)
    assert [n for n, _ in headings] == ["一", "二", "三", "四", "五"]
    assert headings[3][1] == "财政拨款支出决算情况说明" and headings[4][1] == "绩效自评情况"
    local = explain(load(SAMPLE))
    assert re.findall(r"^## (.+?)、", local, flags=re.M) == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]


def test_draft_of_a_budget_in_yuan_speaks_in_wan_as_its_own_narrative_does() -> None:
    """普陀区万里街道 2024 prints its tables in 元 (三公 in 万元), its 说明 in 万元: the draft states
    the 说明's figures, in 万元, and compares them with a last year printed in 万元 without mixing units."""
    d = load(corpus_file("putuo_wanli_street_2024_budget.pdf"))
    assert d.unit == "元" and d.value("b01", "inc.total", "amount") == 156211123.0
    draft = explain(d)
    assert "金额单位：万元（预算表以元列示，已换算）" in draft
    assert "2024年收入预算15,621.11万元，其中：财政拨款收入15,621.11万元，占100.00%" in draft
    assert "基本支出9,970.60万元，占63.83%；项目支出5,650.51万元，占36.17%" in draft
    assert "“三公”经费预算47.91万元" in draft and "公务接待费1.35万元" in draft
    assert not re.search(r"\d{3},\d{3},\d{3}", draft)   # no figure left in 元
    stated = {c.key: c.amount for c in reversed(d.claims) if c.amount_text}   # the narrative's own, first stated
    assert (stated["income_total"], stated["sangong"]) == (15621.11, 47.91)
    prior = d.in_wan()
    prior.year = 2023
    assert prior.unit == "万元" and "收入预算15,621.11万元，与2023年预算持平" in explain(d, prior)


def test_draft_of_a_final_in_yuan_is_the_draft_in_wan() -> None:
    """The sample printed in 元 instead: the same draft, to the 分 (its 情况说明 speaks in 万元;
    last year's figures it implies are 万元 too)."""
    d = load(SAMPLE)
    yuan = load(SAMPLE)
    yuan.unit, yuan.facts = "元", yuan.facts.assign(value=yuan.facts["value"] * 10_000)
    assert explain(yuan) == explain(d)
