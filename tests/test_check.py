"""finacct check on real documents: every inconsistency the answer keys' *.issues.md list is
found with its status, nothing else is an error, and injected errors are caught."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, corpus_file, gold, in_yuan, run_cli

from finacct import check, load
from finacct.model import Disclosure
from finacct.reconcile.docs import rules_markdown
from finacct.reconcile.rules import CHECK_KINDS, RULES
from finacct.report.sections import rule_gloss, rule_short

# (rule, words in the message) -> status, transcribed from ../shared/gold/*.issues.md
EXPECTED = {
    "changchun_gov_office_2023.txt": {
        "error": [("x.codes.same_line", "2299999"), ("text.typos", "正产运转")],
        "rounding": [("t01.expenditure_total", ""), ("t01.income_grand_total", ""),
                     *[("t02.hierarchy", w) for w in ("款 20103 appropriation", "款 20103 total", "合计 total appropriation", "合计 total total")],
                     *[("t03.hierarchy", w) for w in ("款 20103 total", "合计 total basic", "合计 total project", "合计 total total")],
                     ("t03.columns", "t03 201 "), ("t03.columns", "t03 20103 "),
                     ("t04.expenditure_total.total", ""), ("t04.expenditure_total.general_budget", ""), ("t04.income_grand_total", ""),
                     *[("t05.hierarchy", w) for w in ("款 20103 total", "合计 total basic", "合计 total personnel", "合计 total project", "合计 total total")],
                     ("t05.columns", "t05 201 "), ("t05.columns", "t05 20103 "),
                     ("t06.hierarchy", "302"), ("t06.public_total", ""), ("perf.cost_indicators", "政府综合业务管理")],
    },
    "putuo_finance_2024.pdf": {
        "error": [("narrative.amount", "财政拨款收入支出总计 0.3"), ("narrative.share", "71.73"), ("narrative.share_sum", "= 100.07%"),
                  ("narrative.prior_year", "0.30 <"), ("narrative.listed_items", "个人农业生产补贴")],
        "rounding": [("t02.hierarchy", "合计 total total"), ("t02.hierarchy", "合计 total appropriation"),
                     ("t03.hierarchy", "合计 total total"), ("t03.hierarchy", "合计 total basic"),
                     ("t05.hierarchy", "合计 total total"), ("t05.hierarchy", "合计 total basic"),
                     ("t06.hierarchy", "301"), ("t06.hierarchy", "302"),
                     ("x.t01_t03.classes", "exp.208"), ("x.t04_t05.classes", "exp.208"),
                     ("narrative.budget_items", "2993.92"), ("narrative.procurement", "251.25")],
        "not_applicable": [("narrative.completion_rate", "因公出国"), ("narrative.completion_rate", "公务用车")],
    },
    "putuo_planning_resources_2024.pdf": {
        "error": [("text.placeholders", "下降（增长）"), ("text.number_format", "0.39万"), ("text.number_format", "增长13.95"),
                  ("text.brackets", "全过程绩效管理"), ("text.typos", "士地"), *[("text.typos", "较上一度")] * 2, ("text.department", "上海市规划和自然资源局"),
                  *[("text.department", "规划与自然资源局")] * 3,
                  ("narrative.amount", "5377.64"), ("narrative.amount", "4896.98"),
                  ("narrative.item_names", "其他行政事业单位养老支出"), ("narrative.item_names", "其他自然资源事务支出"),
                  ("narrative.item_names", "住房改革支出/住房公积金"), ("narrative.item_names", "住房改革支出/购房补贴")],
        "rounding": [("t05.columns", "t05 212 "), ("t05.columns", "t05 21201 "), ("t05.columns", "t05 2120101 "), ("t05.columns", "t05 total "),
                     ("t04.expenditure_total.total", ""), ("t04.expenditure_total.general_budget", ""),
                     ("t06.hierarchy", "302"), ("t06.personnel_total", ""),
                     ("x.t01_t03.classes", "exp.210"), ("x.t01_t03.classes", "exp.212"), ("x.t04_t05.classes", "exp.210"),
                     ("x.t05_t06.line.21011", ""), ("narrative.share", "99.86"), ("narrative.completion_rate", "95.45"),
                     ("narrative.budget_items", "10210.34"), ("narrative.procurement", "2319.21"),
                     *[("narrative.listed_items", w) for w in ("奖金", "奖励金", "其他对个人和家庭的补助", "税金及附加费用")]],
    },
    "chongqing_swu_university_2023_budget.pdf": {  # E1/E2: 2050202 收入合计 printed 0.50 low
        "error": [("b02.hierarchy", "款 20502 total"), ("b02.columns", "b02 2050202 ")],
        # 预算情况说明 p11: 上年结转 93,801.70 / 557,259.13 = 16.833% printed 16.84%, so that the five shares make 100.00%
        "rounding": [("narrative.share", "16.84%")],
    },
    "putuo_wanli_street_2024_budget.pdf": {  # N1: b09 prints its figures under a note that it is empty
        "error": [("completeness.empty_note", "b09 prints amounts"),
                  # 编制说明 p9, item 31 住房公积金: “…（项）”350.35万元 (= b05 2210201) then 2024年预算安排352.67万元; its
                  # 增加0.53% fits 350.35 (vs 348.52), not 352.67 (+1.19%): 352.67 is a misprint the sentence contradicts
                  ("narrative.item", "352.67"), ("narrative.change_pct", "0.53%")],
    },
    "putuo_district_office_2025_budget.pdf": {},
    "jiangsu_high_court_2018_budget.pdf": {  # 预算情况说明 p19, 法院（款）一般行政事务管理（项）: the tables' 2040502 is
        # 一般行政管理事务, and 6049.97 after 减少392.92 is 6.10% down from 6442.89, not the 5.95% printed;
        # p20, 案件执行: 减少100万元，减少9.52， (9.52% of 1050, printed without its %)
        "error": [("narrative.item_names", "一般行政事务管理"), ("narrative.change_pct", "5.95%"), ("text.number_format", "减少9.52")],
    },
    "chongqing_swu_university_2023_final.pdf": {  # university template: A1–A7, all rounding
        "rounding": [("t02.hierarchy", "款 20502 other"), ("t02.columns", "t02 2050204 "), ("t03.hierarchy", "类 205 project"),
                     ("t03.columns", "t03 205 "), ("t03.hierarchy", "合计 total basic"), ("t03.hierarchy", "合计 total project"),
                     ("t03.columns", "t03 total "),
                     # 决算报表说明 p17: 科学技术支出 2,536.65 / 457,676.75 = 0.554% printed 0.56%, so the five shares make 100.00%
                     ("narrative.share", "0.56%")],
    },
}


def _source(name: str):
    return SAMPLE if name == SAMPLE.name else corpus_file(name)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_check_finds_every_listed_inconsistency_and_no_false_error(name: str) -> None:
    out = run_cli("check", str(_source(name)), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["schema"] == "finacct.findings/1"
    findings = doc["findings"]
    for status in ("error", "rounding"):
        found = [f for f in findings if f["status"] == status]
        expected = EXPECTED[name].get(status, [])
        unmatched = list(found)
        for rule, words in expected:
            hit = next((f for f in unmatched if f["rule"] == rule and words in f["message"]), None)
            assert hit is not None, f"{status} {rule} {words!r} not found"
            unmatched.remove(hit)
        assert not unmatched, f"unexpected {status}: {[f['rule'] + ' ' + f['message'][:80] for f in unmatched]}"
    for rule, words in EXPECTED[name].get("not_applicable", []):
        assert any(f["rule"] == rule and words in f["message"] and f["status"] == "not_applicable" for f in findings)
    for f in findings:   # rounding is always explained by its tolerance
        if f["status"] == "rounding" and f["diff"] is not None:
            assert abs(f["diff"]) <= f["tolerance"] + 1e-9


def test_injected_table_errors_are_found() -> None:
    """A cell moved by 1.00 (100 元 in a budget printed in 元) in any table breaks an identity that names that cell."""
    for name in ("changchun_gov_office_2023", "putuo_finance_2024", "putuo_planning_resources_2024",
                 "chongqing_swu_university_2023_final", "chongqing_swu_university_2023_budget", "jiangsu_high_court_2018_budget",
                 "putuo_district_office_2025_budget", "putuo_wanli_street_2024_budget"):
        key = gold(name)
        n = len(key["facts"])
        step = 100.0 if key["unit"] == "元" else 1.0  # a misread digit; 1 元 is within whole-元 rounding
        for i in range(0, n, max(1, n // 25)):
            if "其中" in key["facts"][i]["label"]:
                continue  # a 其中 line is only bounded by its whole (checked as ≤), +1.00 may stay within it
            d = Disclosure.from_contract(key)
            d.facts.loc[i, "value"] = float(d.facts.loc[i, "value"]) + step
            cell = tuple(d.facts.loc[i, ["table", "row", "col"]])
            f = check(d)
            errors = f[f["status"] == "error"]
            assert any(tuple(c) == cell for cs in errors["cells"] for c in cs), f"{name}: {cell} +{step} not caught"


def test_injected_narrative_errors_are_found(tmp_path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    for before, after, rule in (("占 76.93%", "占 77.93%", "narrative.share"),
                                ("增长 12.25%", "增长 13.25%", "narrative.change_pct"),
                                ("支出决算为 660.41 万元", "支出决算为 661.41 万元", "narrative.item"),
                                ("公用经费 357.09 万元", "公用经费 357.90 万元", "narrative.amount"),
                                ("与 2022 年相比，财政拨款支出增加", "与 2020 年相比，财政拨款支出增加", "text.years"),
                                ("增长 11.60%", "增长（下降）11.60%", "text.placeholders")):
        assert before in text, before
        path = tmp_path / "changed.txt"
        path.write_text(text.replace(before, after, 1), encoding="utf-8")
        f = check(load(path))
        assert ((f["rule"] == rule) & (f["status"] == "error")).any(), f"{after!r}: no {rule} error"


def _changed(tmp_path, subs: list[tuple[str, str]]) -> Disclosure:
    """The sample with each `before` (a space in it matches any whitespace, line breaks too) replaced once."""
    text = SAMPLE.read_text(encoding="utf-8")
    for before, after in subs:
        changed = re.sub(re.escape(before).replace("\\ ", r"\s*"), after, text, count=1)
        assert changed != text, before
        text = changed
    path = tmp_path / "changed.txt"
    path.write_text(text, encoding="utf-8")
    return load(path)


ADJUSTED = ("年初预算为 2,514.52 万元，", "年初预算为 2,514.52 万元，调整预算为 2,800.00 万元，")
# Each comparison the 情况说明 makes, broken one way: (what, replacements, the rule that must call it an error,
# words its message must carry — the two figures compared)
COMPARISON_ERRORS = [
    ("决算数大于预算数 flipped", [("118.54%。决算数大于预算", "118.54%。决算数小于预算")], "narrative.wording", ("2980.77", "2514.52")),
    ("三公 决算数小于预算数 flipped", [("决算数小于预算数的主要原因：一", "决算数大于预算数的主要原因：一")], "narrative.wording",
     ("3.66", "43.37")),
    ("持平 for a gap", [("56.41%。决算数小于预算 数", "56.41%。决算数与预算数持平，")], "narrative.wording", ("0.44", "0.78")),
    ("减少 … 增长", [("下降 14.32%", "增长 14.32%")], "narrative.wording", ("减少、增长",)),
    ("比上年的 B 减少, a > B", [("比上年增加 752.94 万元，增长 12.25%", "比上年的 6,148.81 万元减少 752.94 万元，下降 12.25%")],
     "narrative.wording", ("6901.75", "6148.81")),
    ("三公 item flipped", [("较 2022 年减少 0.75 万元，下降", "较 2022 年增加 0.75 万元，增长")], "narrative.change_sum", ("-0.91", "+0.59")),
    ("三公 item 无变化 changed", [("与 2022 年相比无变化。全年安排", "与 2022 年相比增加 0.10 万元。全年安排")], "narrative.change_sum",
     ("+0.10", "-0.81")),
    ("difference from 预算", [("118.54%。决算数大于预算 数", "118.54%。决算数比预算数增加 476.25 万元，")], "narrative.difference",
     ("476.25", "2980.77", "2514.52", "+466.25")),
    ("difference from 上年", [("比上年增加 752.94 万元，增长 12.25%", "比上年的 6,148.81 万元增加 762.94 万元，增长 12.41%")],
     "narrative.difference", ("762.94", "6148.81", "+752.94")),
    ("difference from 上年 (implied)", [("增加 752.94 万元", "增加 762.94 万元")], "narrative.change_pct", ("762.94/6138.81",)),
    ("percent of 预算", [("118.54%。决算数大于预算 数", "118.54%。决算数比预算数增加 466.25 万元，增长 19.54%，")],
     "narrative.change_pct", ("466.25/2514.52",)),
    ("percent of 上年", [("增长 28.66%", "增长 27.66%")], "narrative.change_pct", ("1062.90/3708.63",)),
    ("完成年初预算 on 调整预算", [ADJUSTED, ("完成年初预算的 118.54%", "完成年初预算的 106.46%")], "narrative.completion_rate",
     ("调整预算", "2800.00", "年初预算", "2514.52", "118.54%")),
    ("完成调整预算 on 年初预算", [ADJUSTED, ("完成年初预算的 118.54%", "完成调整预算的 118.54%")], "narrative.completion_rate",
     ("年初预算", "2514.52", "调整预算", "2800.00", "106.46%")),
    ("决算数为年初预算的 R%", [("完成年初预算的 118.54%", "决算数为年初预算的 128.54%")], "narrative.completion_rate", ("2980.77/2514.52",)),
    ("完成调整预算 wrong beside 完成年初预算", [ADJUSTED, ("完成年初预算的 118.54%", "完成年初预算的 118.54%，完成调整预算的 116.46%")],
     "narrative.completion_rate", ("116.46%", "2980.77/2800.00 = 106.46%")),
    ("shares add to 101%", [("占 0.55%", "占 1.55%")], "narrative.share_sum", ("1.55%", "= 101%")),
]
# The same forms with the right figures (and a rate that names no kind of 预算): no error
COMPARISONS_THAT_HOLD = [
    [("118.54%。决算数大于预算 数", "118.54%。决算数比预算数增加 466.25 万元，增长 18.54%，")],
    [("比上年增加 752.94 万元，增长 12.25%", "比上年的 6,148.81 万元增加 752.94 万元，增长 12.25%")],
    [ADJUSTED, ("完成年初预算的 118.54%", "完成预算的 106.46%")],
    [ADJUSTED, ("完成年初预算的 118.54%", "完成年初预算的 118.54%，完成调整预算的 106.46%")],
    [("完成年初预算的 118.54%", "占年初预算的 118.54%")],
]


@pytest.mark.parametrize(("what", "subs", "rule", "words"), COMPARISON_ERRORS, ids=[c[0] for c in COMPARISON_ERRORS])
def test_injected_comparison_errors_are_found(tmp_path, what: str, subs: list, rule: str, words: tuple[str, ...]) -> None:
    f = check(_changed(tmp_path, subs))
    errors = f[(f["rule"] == rule) & (f["status"] == "error")]
    assert len(errors) == 1, f"{what}: {list(f[f['status'] == 'error']['message'])}"
    assert all(w in errors.iloc[0]["message"] for w in words), errors.iloc[0]["message"]


@pytest.mark.parametrize("subs", COMPARISONS_THAT_HOLD, ids=["difference from 预算", "difference from 上年", "完成预算 of either",
                                                        "完成年初预算 and 完成调整预算", "占年初预算"])
def test_comparisons_that_hold_are_not_errors(tmp_path, subs: list) -> None:
    f = check(_changed(tmp_path, subs))
    assert set(f[f["status"] == "error"]["rule"]) == {"x.codes.same_line", "text.typos"}   # the sample's own two


INC, DEC = "比上年增加 752.94 万元，增长 12.25%", "比上年减少 356.17 万元，下降 14.32%"
TOTAL, RECEIVED = "2023 年度收、支总计各 6,901.84 万元", "本年收入合计 6,901.75 万元"
BASIC, OVER = "基本支出 4,771.53 万元，", "118.54%。决算数大于预算 数"
# The 情况说明 as other provinces' templates word it, injected into the sample: (what, printed right,
# printed wrong, the rule that must call the wrong one an error). Right, each adds no error.
PHRASINGS = [
    ("较上年", [(INC, "较上年增加 752.94 万元，增长 12.25%")], [(INC, "较上年增加 752.94 万元，增长 13.25%")], "narrative.change_pct"),
    ("同比", [(INC, "同比增加 752.94 万元，同比增长 12.25%")], [(INC, "同比增加 752.94 万元，同比增长 12.52%")], "narrative.change_pct"),
    ("同比下降", [(DEC, "同比减少 356.17 万元，同比下降 14.32%")], [(DEC, "同比减少 356.17 万元，同比下降 14.23%")], "narrative.change_pct"),
    ("比上年度决算数", [(INC, "比上年度决算数增加 752.94 万元，增长 12.25%")], [(INC, "比上年度决算数增加 762.94 万元，增长 12.25%")],
     "narrative.change_pct"),
    ("增长 before 增加", [(INC, "比上年增长 12.25%，增加 752.94 万元")], [(INC, "比上年增长 12.25%，增加 762.94 万元")], "narrative.change_pct"),
    ("增幅为", [(INC, "比上年增加 752.94 万元，增幅为 12.25%")], [(INC, "比上年增加 752.94 万元，增幅为 12.52%")], "narrative.change_pct"),
    ("降幅", [(DEC, "比上年减少 356.17 万元，降幅 14.32%")], [(DEC, "比上年减少 356.17 万元，降幅 41.32%")], "narrative.change_pct"),
    ("上升 / 减少 … 增长", [(INC, "比上年增加 752.94 万元，上升 12.25%")], [(INC, "比上年减少 752.94 万元，增长 12.25%")], "narrative.wording"),
    ("较上年 flipped", [(DEC, "较上年减少 356.17 万元，下降 14.32%")], [(DEC, "较上年增加 356.17 万元，下降 14.32%")], "narrative.wording"),
    ("上年决算数为", [("比上年增加 1,062.90 万元", "上年决算数为 3,708.63 万元，比上年增加 1,062.90 万元")],
     [("比上年增加 1,062.90 万元", "上年决算数为 3,718.63 万元，比上年增加 1,062.90 万元")], "narrative.difference"),
    ("2022年决算数为", [("比上年增加 1,062.90 万元", "2022 年决算数为 3,708.63 万元，比 2022 年增加 1,062.90 万元")],
     [("比上年增加 1,062.90 万元", "2022 年决算数为 3,708.63 万元，比 2022 年增加 1,162.90 万元")], "narrative.difference"),
    ("较2022年的 B", [(INC, "较 2022 年的 6,148.81 万元增加 752.94 万元，增长 12.25%")],
     [(INC, "较 2022 年的 6,148.81 万元增加 762.94 万元，增长 12.41%")], "narrative.difference"),
    ("上年的总计 by its year", [(TOTAL, "2022 年度收、支总计各 6,243.44 万元，2023 年度收、支总计各 6,901.84 万元")],
     [(TOTAL, "2022 年度收、支总计各 6,243.44 万元，2023 年度收、支总计各 6,911.84 万元")], "narrative.amount"),
    ("增加…等 X 万元", [(INC, "增加行政事业单位养老支出等 752.94 万元，增长 12.25%")],
     [(INC, "增加行政事业单位养老支出等 762.94 万元，增长 12.25%")], "narrative.change_pct"),
    ("比上年（B 万元）", [(INC, "比上年（6,148.81 万元）增加 752.94 万元，增长 12.25%")],
     [(INC, "比上年（6,148.81 万元）增加 742.94 万元，增长 12.25%")], "narrative.difference"),
    ("同比 Y%（上年 B 万元）", [(INC, "同比增长 12.25%（上年 6,148.81 万元）")], [(INC, "同比增长 12.52%（上年 6,148.81 万元）")],
     "narrative.change_pct"),
    ("与年初预算相比", [(OVER, "118.54%。与年初预算相比，增加 466.25 万元，增长 18.54%。决算数大于预算 数")],
     [(OVER, "118.54%。与年初预算相比，增加 476.25 万元，增长 18.54%。决算数大于预算 数")], "narrative.difference"),
    ("与年初预算相比 flipped", [(OVER, "118.54%。与年初预算相比增加 466.25 万元。决算数大于预算 数")],
     [(OVER, "118.54%。与年初预算相比减少 466.25 万元。决算数大于预算 数")], "narrative.wording"),
    ("决算数大于年初预算数", [(OVER, "118.54%。决算数大于年初预算数")], [(OVER, "118.54%。决算数小于年初预算数")], "narrative.wording"),
    ("比年初预算减少 (三公)", [("完成预算的 8.44%；", "比年初预算减少 39.71 万元，下降 91.56%；")],
     [("完成预算的 8.44%；", "比年初预算减少 39.17 万元，下降 91.56%；")], "narrative.difference"),
    ("比年初预算 Y% (三公)", [("完成预算的 8.44%；", "比年初预算减少 39.71 万元，下降 91.56%；")],
     [("完成预算的 8.44%；", "比年初预算减少 39.71 万元，下降 81.56%；")], "narrative.change_pct"),
    ("支出决算为年初预算的", [("完成年初预算的 118.54%", "支出决算为年初预算的 118.54%")],
     [("完成年初预算的 118.54%", "支出决算为年初预算的 118.45%")], "narrative.completion_rate"),
    ("预算执行率", [("完成年初预算的 118.54%", "预算执行率为 118.54%")], [("完成年初预算的 118.54%", "预算执行率为 108.54%")],
     "narrative.completion_rate"),
    ("占本年支出合计的", [(BASIC, BASIC + "占本年支出合计的 69.13%，")], [(BASIC, BASIC + "占本年支出合计的 68.13%，")], "narrative.share"),
    ("占本年支出决算的", [(BASIC, BASIC + "占本年支出决算的 69.13%，")], [(BASIC, BASIC + "占本年支出决算的 69.31%，")], "narrative.share"),
    ("占比", [("占 76.93%", "占比 76.93%")], [("占 76.93%", "占比 77.93%")], "narrative.share"),
    ("所占比重为", [("占 76.93%", "所占比重为 76.93%")], [("占 76.93%", "所占比重为 75.93%")], "narrative.share"),
    ("元", [(RECEIVED, "本年收入合计 69,017,500.00 元")], [(RECEIVED, "本年收入合计 69,117,500.00 元")], "narrative.amount"),
    ("元 change", [(INC, "比上年增加 7,529,400.00 元，增长 12.25%")], [(INC, "比上年增加 7,629,400.00 元，增长 12.25%")], "narrative.change_pct"),
    ("亿元", [(TOTAL, "2023 年度收、支总计各 0.69 亿元")], [(TOTAL, "2023 年度收、支总计各 0.79 亿元")], "narrative.amount"),
    ("约 (no figure to check)", [(TOTAL, "2023 年度收、支总计各约 6,900 万元")], [(TOTAL, "2023 年度收、支总计各 6,900 万元")], "narrative.amount"),
    ("full-width digits", [(RECEIVED, "本年收入合计６９０１．７５万元")], [(RECEIVED, "本年收入合计６９１１．７５万元")], "narrative.amount"),
    ("full-width ％", [("增长 12.25%", "增长１２．２５％")], [("增长 12.25%", "增长１３．２５％")], "narrative.change_pct"),
    ("full-width thousands", [(RECEIVED, "本年收入合计6，901.75万元")], [(RECEIVED, "本年收入合计6，911.75万元")], "narrative.amount"),
    ("ASCII brackets", [("一般公共服务支出 5,309.93 万元", "一般公共服务(类)支出 5,309.93 万元")],
     [("一般公共服务支出 5,309.93 万元", "一般公共服务(类)支出 5,319.93 万元")], "narrative.amount"),
    ("收入总计", [(RECEIVED, "收入总计 6,901.75 万元")], [(RECEIVED, "收入总计 6,991.75 万元")], "narrative.amount"),
    ("收入决算", [(RECEIVED, "2023 年度收入决算 6,901.75 万元")], [(RECEIVED, "2023 年度收入决算 6,991.75 万元")], "narrative.amount"),
    ("均为", [(TOTAL, "2023 年度收、支总计均为 6,901.84 万元")], [(TOTAL, "2023 年度收、支总计均为 6,981.84 万元")], "narrative.amount"),
    ("收入支出决算总计", [(TOTAL, "2023 年度收入支出决算总计 6,901.84 万元")], [(TOTAL, "2023 年度收入支出决算总计 6,910.84 万元")],
     "narrative.amount"),
    ("财政拨款收入支出决算总计", [("2023 年度财政拨款收、支总计各 6,901.84 万元", "2023 年度财政拨款收入支出决算总计 6,901.84 万元")],
     [("2023 年度财政拨款收、支总计各 6,901.84 万元", "2023 年度财政拨款收入支出决算总计 6,911.84 万元")], "narrative.amount"),
]


@pytest.mark.parametrize(("what", "right", "wrong", "rule"), PHRASINGS, ids=[p[0] for p in PHRASINGS])
def test_other_provinces_phrasings_are_read(tmp_path, what: str, right: list, wrong: list, rule: str) -> None:
    f = check(_changed(tmp_path, right))
    assert set(f[f["status"] == "error"]["rule"]) == {"x.codes.same_line", "text.typos"}, list(f[f["status"] == "error"]["message"])
    f = check(_changed(tmp_path, wrong))
    assert ((f["rule"] == rule) & (f["status"] == "error")).any(), f"{what}: {list(f[f['status'] == 'error']['message'])}"


# Misprints put into the narratives of the other templates (university final, the three kinds of budget):
# (document, a phrase as printed on one line, the phrase misprinted, the rule that must call it an error)
OTHER_TEMPLATES = [
    ("chongqing_swu_university_2023_final.pdf", "降低5.20%", "降低5.02%", "narrative.change_pct"),
    ("chongqing_swu_university_2023_final.pdf", "总支出的92.92%", "总支出的93.92%", "narrative.share"),
    ("chongqing_swu_university_2023_final.pdf", "增加52,499.75万元", "增加52,599.75万元", "narrative.change_sum"),
    ("chongqing_swu_university_2023_final.pdf", "决算数为7,970.38", "决算数为7,970.48", "narrative.item"),   # 0.10 off, not rounding
    ("chongqing_swu_university_2023_budget.pdf", "占41.43%", "占41.34%", "narrative.share"),
    ("chongqing_swu_university_2023_budget.pdf", "元，占0.50%", "元，占0.05%", "narrative.share_sum"),
    ("jiangsu_high_court_2018_budget.pdf", "占55.98%", "占56.98%", "narrative.share"),
    ("jiangsu_high_court_2018_budget.pdf", "增长26.05%", "增长25.05%", "narrative.change_pct"),
    ("jiangsu_high_court_2018_budget.pdf", "因公出国（境）费支出170万元", "因公出国（境）费支出180万元", "narrative.amount"),
    ("putuo_wanli_street_2024_budget.pdf", "收入预算15621.11万元", "收入预算15621.41万元", "narrative.amount"),
    ("putuo_wanli_street_2024_budget.pdf", "减少57.14%", "减少51.14%", "narrative.change_pct"),
    ("putuo_wanli_street_2024_budget.pdf", "预算数为47.91万元", "预算数为48.91万元", "narrative.amount"),
    ("putuo_district_office_2025_budget.pdf", "科目1,202.95万元", "科目1,220.95万元", "narrative.item"),
]


@pytest.mark.parametrize(("name", "printed", "misprinted", "rule"), OTHER_TEMPLATES, ids=[f"{n[:14]} {r}" for n, _, _, r in OTHER_TEMPLATES])
def test_misprints_in_other_templates_narratives_are_found(name: str, printed: str, misprinted: str, rule: str) -> None:
    from dataclasses import replace
    d = load(corpus_file(name))
    text = [(p, t.replace(printed, misprinted, 1)) for p, t in d.text]
    assert text != d.text, printed
    f = check(replace(d, text=text))
    said = re.search(r"\d[\d,]*(?:\.\d+)?", misprinted).group(0).replace(",", "")   # the error names the misprinted figure
    errors = f[(f["rule"] == rule) & (f["status"] == "error")]
    assert errors["message"].str.contains(said, regex=False).any(), list(f[f["status"] == "error"]["message"])


def test_rate_named_against_the_budget_documents_年初预算(tmp_path) -> None:
    """A 完成年初预算的 R% computed on the 调整预算 the sentence states: with no 年初预算 in the text it
    cannot be judged; the budget document's b05 line is the 年初预算, and the error names both."""
    d = _changed(tmp_path, [("年初预算为 2,514.52 万元，", "调整预算为 2,800.00 万元，"), ("完成年初预算的 118.54%", "完成年初预算的 106.46%")])
    rate = "narrative.completion_rate"
    alone = check(d)
    assert alone[(alone["rule"] == rate) & alone["message"].str.contains("行政运行")]["status"].tolist() == ["insufficient_data"]
    lines = pd.DataFrame([{"table": "b05", "row": "2010301", "col": "total", "value": 2514.52, "page": 5, "label": "行政运行"}])
    budget = Disclosure(source="budget.pdf", department=d.department, year=d.year, kind="budget", template="shanghai_budget",
                        tables={"b05": {"status": "present", "pages": [5]}}, facts=lines)
    f = check(d, budget=budget)
    errors = f[(f["rule"] == rate) & (f["status"] == "error")]
    assert len(errors) == 1 and all(w in errors.iloc[0]["message"] for w in ("调整预算", "2800.00", "budget.pdf b05 2010301", "2514.52"))
    printed_in_yuan = check(in_yuan(d), budget=budget)   # the final printed in 元: its budget line still read in 万元
    assert printed_in_yuan[(printed_in_yuan["rule"] == rate) & (printed_in_yuan["status"] == "error")]["message"].tolist() == errors["message"].tolist()
    # the budget given as a file: loaded, the same finding; anything else is one clear error
    (tmp_path / "budget.json").write_text(budget.to_json(), encoding="utf-8")
    by_path = check(d, budget=tmp_path / "budget.json")
    assert by_path[(by_path["rule"] == rate) & (by_path["status"] == "error")]["message"].tolist() == errors["message"].tolist()
    with pytest.raises(TypeError, match="budget must be a Disclosure or the path of one"):
        check(d, budget={"2010301": 2514.52})


@pytest.mark.parametrize(("printed", "verdict"), [("2,515", "rounding"), ("2,516", "error")])
def test_a_stated_budget_is_held_to_the_precision_it_is_printed_to(tmp_path, printed: str, verdict: str) -> None:
    """年初预算为 2,515 万元 against a budget line of 2,514.52: printed to whole 万元, it may lie half
    a 万元 off; 2,516 may not."""
    d = _changed(tmp_path, [("年初预算为 2,514.52 万元，", f"年初预算为 {printed} 万元，")])
    lines = pd.DataFrame([{"table": "b05", "row": "2010301", "col": "total", "value": 2514.52, "page": 5, "label": "行政运行"}])
    budget = Disclosure(source="budget.pdf", department=d.department, year=d.year, kind="budget", template="shanghai_budget",
                        tables={"b05": {"status": "present", "pages": [5]}}, facts=lines)
    f = check(d, budget=budget)
    assert f[(f["rule"] == "x.budget.stated") & f["message"].str.contains("行政运行")]["status"].tolist() == [verdict]


def test_template_placeholders_are_errors() -> None:
    f = check(load(corpus_file("shanghai_template_final_accounts_2024.pdf")))
    placeholders = f[f["rule"] == "text.placeholders"]
    assert (placeholders["status"] == "error").sum() > 50
    assert placeholders["message"].str.contains("增加（减少）").any()


def test_rules_not_evaluable_are_never_ok() -> None:
    """From JSON there is no document text; a missing table leaves its rules without data."""
    key = gold("putuo_finance_2024")
    key["tables"]["t06"] = {"status": "missing", "pages": []}
    key["facts"] = [f for f in key["facts"] if f["table"] != "t06"]
    f = check(Disclosure.from_contract(key))
    narrative = f[f["rule"].str.startswith(("narrative.", "text."))]
    assert set(narrative["status"]) == {"insufficient_data"}
    assert f[f["rule"] == "x.t05_t06.basic"]["status"].tolist() == ["insufficient_data"]
    assert f[f["rule"] == "t07.hierarchy"]["status"].tolist() == ["not_applicable"]


def test_findings_read_well_and_list_their_cells() -> None:
    f = check(load(SAMPLE))
    assert f["status"].iat[0] == "error"          # errors first
    html = f._repr_html_()
    assert "error 2" in html and "x.codes.same_line" in html
    i = f.index[f["rule"] == "x.codes.same_line"][0]
    cells = f.cells(i)
    assert set(cells["row"]) == {"2299999", "2299901"} and set(cells["value"]) == {0.44}


def test_rule_list_document_is_generated_from_the_rules() -> None:
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown()


def test_every_kind_of_check_has_its_chinese_words() -> None:
    assert sorted({r.check for r in RULES} - CHECK_KINDS.keys()) == []  # a new kind needs its entry in checks.toml
    # as the report said them when the words lived in report/sections.py
    assert rule_gloss("t02.hierarchy") == "层级合计：类 = 所属各款之和，款 = 所属各项之和，合计 = 各类之和"
    assert rule_short("t02.hierarchy") == "类款项合计"
    assert rule_gloss("t02.columns") == "列关系：每一行的合计等于各组成列之和" and rule_short("t02.columns") == "列合计"
    assert rule_gloss("narrative.item") == "情况说明逐项列示的决算数与 t05 一致，类、款、项名称相符"
    assert rule_short("narrative.item") == "逐项决算数"
    assert rule_short("perf.execution_rate") == "绩效执行率"
    assert rule_short("text.brackets") == rule_gloss("text.brackets") == "括号成对出现"  # no short words: the gloss
    assert rule_gloss("budget.stated") == "情况说明中的金额等于表中对应的数" and rule_gloss("x.unknown") == "核对"


def _prior_as_narrated(d: Disclosure) -> Disclosure:
    """Last year's disclosure as the sample's own 情况说明 describes it: every cell a stated
    change points at holds amount − change, and the closing balance is this year's opening one."""
    from finacct.narrative.claims import item
    prior = Disclosure.from_contract({**d.to_contract(), "year": d.year - 1, "source": "prior.json"})
    f = prior.facts
    for c in d.claims:
        entry = item(c.key)
        if c.prior is None or entry is None:
            continue
        for ref in entry.refs:
            t, row, col = ref.replace("{role}", "actual").split(":")
            f.loc[(f["table"] == t) & (f["row"] == row) & (f["col"] == col), "value"] = c.prior
    closing = [{"table": t, "row": "exp.carryover_end", "col": col, "value": d.value(t, row, "amount") or 0.0, "page": 1, "label": "年末结转和结余"}
               for t, col, row in (("t01", "amount", "inc.carryover_begin"), ("t04", "total", "inc.carryover_begin"),
                                   *(("t04", s, f"inc.carryover_begin.{s}") for s in ("general_budget", "gov_fund", "state_capital")))]
    prior.facts = pd.concat([f[f["row"] != "exp.carryover_end"], pd.DataFrame(closing)], ignore_index=True)
    return prior


def test_checks_across_years_on_a_pair_built_from_the_sample() -> None:
    """A prior year built from the sample's narrative agrees with every prior-year figure the
    narrative implies; moving one of its cells by 5.00 gives one error naming both documents."""
    d = load(SAMPLE)
    prior = _prior_as_narrated(d)
    f = check(d, prior=prior)
    stated = f[f["rule"] == "x.prior.stated"]
    assert len(stated) >= 10 and set(stated["status"]) <= {"ok", "rounding"}
    balance = f[f["rule"] == "x.prior.balance"]
    assert len(balance) == 5 and set(balance["status"]) == {"ok"} and all("prior.json" in m for m in balance["message"])
    mask = (prior.facts["table"] == "t09") & (prior.facts["row"] == "actual") & (prior.facts["col"] == "reception")
    prior.facts.loc[mask, "value"] += 5
    moved = check(d, prior=prior)
    errors = moved[(moved["rule"] == "x.prior.stated") & (moved["status"] == "error")]
    assert len(errors) == 1 and "公务接待费" in errors.iloc[0]["message"] and "prior.json" in errors.iloc[0]["message"]
    assert check(d)["rule"].isin(["x.prior.stated"]).any()   # without a prior: insufficient_data, said


def test_prior_year_figures_are_compared_in_wan_whatever_last_year_prints() -> None:
    """The same prior year printed in 元: each figure the narrative implies (万元) meets the same verdict."""
    d = load(SAMPLE)
    prior = _prior_as_narrated(d)
    stated = [check(d, prior=p).query("rule == 'x.prior.stated'")[["row", "col", "status", "expected"]] for p in (prior, in_yuan(prior))]
    assert len(stated[0]) >= 10 and stated[1].round(6).equals(stated[0].round(6))


def _across(d: Disclosure, rules: tuple[str, ...], **others: Disclosure) -> pd.DataFrame:
    f = check(d, **others)
    return f[f["rule"].isin(rules)][["rule", "row", "col", "status", "expected", "actual", "diff"]].reset_index(drop=True)


def test_balances_carried_over_are_compared_in_wan_whatever_either_year_prints() -> None:
    """Last year printed in 元 and this year in 万元, or the other way round: every 年初 = 上年年末
    balance meets the same verdict, figures and gap (in 万元) as with both years in 万元; a closing
    balance printed in 元 meets this year's 万元 to the precision 万元 is printed to, and no closer."""
    d = load(SAMPLE)
    prior = _prior_as_narrated(d)
    rules = ("x.prior.balance",)
    wan = _across(d, rules, prior=prior)
    assert len(wan) == 5 and set(wan["status"]) == {"ok"}
    for this, last in ((d, in_yuan(prior)), (in_yuan(d), prior)):
        assert _across(this, rules, prior=last).round(6).equals(wan.round(6))
    yuan = in_yuan(prior)
    closing = (yuan.facts["table"] == "t01") & (yuan.facts["row"] == "exp.carryover_end")
    assert yuan.facts.loc[closing, "value"].tolist() == [1000.0]   # this year opens with 0.10 万元
    for printed, verdict in ((1000.40, "rounding"), (1049.99, "rounding"), (1200.00, "error")):
        yuan.facts.loc[closing, "value"] = printed
        t01 = _across(d, rules, prior=yuan).query("row == 'inc.carryover_begin'").iloc[0]
        assert (t01["status"], t01["expected"]) == (verdict, printed / 10_000), printed


def _budget_as_stated(d: Disclosure) -> Disclosure:
    """The department's budget as the final describes it: b05 the 年初预算 its 情况说明 states, b09
    the 三公 预算数 its t09 prints."""
    from finacct.budget import for_disclosure
    t09 = d.facts[(d.facts["table"] == "t09") & (d.facts["row"] == "budget")]
    facts = pd.DataFrame([*({"table": "b05", "row": c, "col": "total", "value": v, "page": 5, "label": c}
                            for c, v in for_disclosure(d).lines.items()),
                          *({"table": "b09", "row": "budget", "col": c, "value": v, "page": 6, "label": "三公"}
                            for c, v in zip(t09["col"], t09["value"]))])
    return Disclosure(source="budget.pdf", department=d.department, year=d.year, kind="budget", template="shanghai_budget",
                      tables={"b05": {"status": "present", "pages": [5]}, "b09": {"status": "present", "pages": [6]}}, facts=facts)


def test_a_finals_budget_figures_are_compared_in_wan_whatever_either_document_prints() -> None:
    """The final printed in 元 and its budget in 万元, or the other way round: each 年初预算 the
    情况说明 states (万元) and each 三公 预算数 of t09 meets the same verdict, figures and gap (in
    万元) as with both in 万元. A t09 in 元 meets a b09 in 万元 to the 0.01 万元 b09 prints, no closer."""
    d = load(SAMPLE)
    budget = _budget_as_stated(d)
    rules = ("x.budget.stated", "x.budget.sangong")
    wan = _across(d, rules, budget=budget)
    assert (wan["rule"] == "x.budget.sangong").sum() == 6 and len(wan) >= 16 and set(wan["status"]) == {"ok"}
    for final, b in ((in_yuan(d), budget), (d, in_yuan(budget))):
        assert _across(final, rules, budget=b).round(6).equals(wan.round(6))
    final = in_yuan(d)
    reception = (final.facts["table"] == "t09") & (final.facts["row"] == "budget") & (final.facts["col"] == "reception")
    assert final.facts.loc[reception, "value"].tolist() == [313_700.0]   # b09 prints 31.37 万元
    for printed, verdict in ((313_730.00, "rounding"), (313_749.99, "rounding"), (313_900.00, "error")):
        final.facts.loc[reception, "value"] = printed
        f = check(final, budget=budget)
        got = f[(f["rule"] == "x.budget.sangong") & f["message"].str.contains("三公 reception")].iloc[0]
        assert (got["status"], got["actual"], got["expected"]) == (verdict, printed / 10_000, 31.37), printed


def test_placeholders_and_years_are_checked_wherever_they_stand(tmp_path) -> None:
    """A placeholder in a table title (not the 情况说明) and a 截至 date of the wrong year are
    errors naming the line; the sample as printed has neither."""
    text = SAMPLE.read_text(encoding="utf-8")
    assert not {"text.placeholders", "text.years"} & set(check(load(SAMPLE)).query("status == 'error'")["rule"])
    broken = text.replace(" 三、支出决算表", " 三、某某支出决算表", 1).replace("截至 2023 年 12 月 31 日", "截至 2022 年 12 月 31 日", 1)
    assert broken != text
    (tmp_path / "x.txt").write_text(broken, encoding="utf-8")
    errors = check(load(tmp_path / "x.txt")).query("status == 'error'")
    assert any("某某" in m for m in errors[errors["rule"] == "text.placeholders"]["message"])
    assert any("end of 2022" in m for m in errors[errors["rule"] == "text.years"]["message"])


def test_procurement_awards_cannot_exceed_their_whole(tmp_path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    broken = text.replace("予小微企业合同金额 1,368.17 万元", "予小微企业合同金额 1,468.17 万元", 1)
    assert broken != text
    (tmp_path / "x.txt").write_text(broken, encoding="utf-8")
    f = check(load(tmp_path / "x.txt"))
    awards = f[f["rule"] == "narrative.procurement_awards"]
    assert set(check(load(SAMPLE)).query("rule == 'narrative.procurement_awards'")["status"]) == {"ok"}
    assert list(awards[awards["status"] == "error"]["message"].str[:20]) == ["授予小微企业 ≤ 授予中小企业: 146"]


def test_titles_are_the_documents_own_templates(tmp_path) -> None:
    """A line that names another template's table (a budget's 收支预算总表 quoted in a final) is no
    title of this document: text.years does not date the document by it."""
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "x.txt").write_text(text.replace(" 第一部分 部门概况", " 第一部分 部门概况\n2021年部门财务收支预算总表", 1), encoding="utf-8")
    years = check(load(tmp_path / "x.txt")).query("rule == 'text.years'")
    assert list(years["status"]) == ["ok"]


def test_a_budgets_stated_budget_is_its_amount_for_every_reader() -> None:
    """A budget's 说明 states this year's figures as 预算 (“三公”经费预算数为47.91万元): the claims
    (claims.json, the draft) and the checks read them alike, as the item's amount."""
    from finacct.narrative.claims import frame, item_cells
    d = load(corpus_file("putuo_wanli_street_2024_budget.pdf"))
    c = next(c for c in d.claims if c.key == "sangong")
    assert (c.amount, c.amount_text, c.budget, c.prior) == (47.91, "47.91万元", None, 22.91)
    assert frame(d.claims).query("key == 'sangong'")["amount"].iloc[0] == 47.91
    assert [cell for _, cell in item_cells(d, "sangong")] == [("b09", "budget", "total")]
    said = check(d).query("rule == 'narrative.amount'")
    assert "“三公”经费 47.91 vs b09 budget total 47.91" in " ".join(said[said["status"] == "ok"]["message"])


def test_a_document_printed_in_yuan_meets_the_same_narrative_verdicts() -> None:
    """Its 情况说明 speaks in 万元 whatever its tables print: every narrative check (amounts, changes,
    shares, the implied prior year, the listed items…) gives the same verdict on the sample as on
    the same sample printed in 元."""
    d = load(SAMPLE)
    verdicts = [check(x).query("rule.str.startswith('narrative.')")[["rule", "row", "status"]].reset_index(drop=True)
                for x in (d, in_yuan(d))]
    assert len(verdicts[0]) > 50 and "narrative.prior_year" in set(verdicts[0]["rule"])
    assert verdicts[1].equals(verdicts[0])
