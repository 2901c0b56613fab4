"""Real values from real documents, through the public API."""
from __future__ import annotations

import json

import pytest
from conftest import SAMPLE, corpus_file, run_cli

import finacct


@pytest.fixture(scope="module")
def changchun() -> finacct.Disclosure:
    return finacct.load(SAMPLE)


@pytest.fixture(scope="module")
def putuo() -> finacct.Disclosure:
    return finacct.load(corpus_file("putuo_finance_2024.pdf"))


@pytest.fixture(scope="module")
def planning() -> finacct.Disclosure:
    return finacct.load(corpus_file("putuo_planning_resources_2024.pdf"))


def test_text_dump_metadata_and_status(changchun: finacct.Disclosure) -> None:
    assert (changchun.department, changchun.year, changchun.unit) == ("长春市人民政府办公厅", 2023, "万元")
    assert changchun.tables["t07"]["status"] == "declared_empty"
    assert changchun.tables["t07"]["statement"].startswith("没有政府性基金预算财政拨款")
    assert changchun.tables["t03"]["pages"] == [247]  # the line of 公开03表


def test_text_dump_codes_come_from_the_separate_code_list(changchun: finacct.Disclosure) -> None:
    t03 = changchun.table("t03").set_index("row")
    assert t03.loc["2010301", "basic"] == 2980.77
    assert t03.loc["2010350", "total"] == 199.29  # 事业运行: code printed apart from its row
    assert t03.loc["2010350", "parent"] == "20103" and t03.loc["2010350", "level"] == "项"
    # t02 prints 2299999 for 其他支出 where t03 prints 2299901: each keeps its own
    assert "2299999" in set(changchun.table("t02")["row"]) and "2299901" in set(t03.index)


def test_text_dump_three_gong_and_footers(changchun: finacct.Disclosure) -> None:
    assert changchun.value("t09", "budget", "reception") == 31.37
    assert changchun.value("t09", "actual", "vehicle_operation") == 3.64
    assert changchun.value("t06", "personnel_total", "amount") == 4414.44
    assert changchun.value("t04", "inc.carryover_begin.general_budget", "amount") == 0.10


def test_performance_tables(changchun: finacct.Disclosure) -> None:
    projects = {p["project"]: p for p in changchun.performance}
    assert set(projects) == {"服务工作保障", "信息化建设与运维", "政府综合业务管理"}
    assert projects["服务工作保障"]["funds"] == {"budget_initial": 152.0, "budget_full": 152.0, "executed": 82.9, "execution_rate": 54.54}
    first = projects["服务工作保障"]["indicators"][0]
    assert (first["level1"], first["level2"], first["name"], first["target"], first["actual"]) == (
        "成本指标", "经济成本指标", "政府公务活动成本", "<=152万元", "82.9万元")
    names = [i["name"] for i in projects["信息化建设与运维"]["indicators"]]
    assert "市长电话满意度调查数据抽查次数" in names  # a name wrapped onto two lines


def test_pdf_three_column_codes_and_continuation_pages(putuo: finacct.Disclosure) -> None:
    assert (putuo.department, putuo.year) == ("上海市普陀区财政局", 2024)
    assert putuo.value("t03", "2010601", "basic") == 1503.52
    assert putuo.value("t03", "2010601", "project") == 8.37
    assert putuo.tables["t01"]["pages"] == [6, 7]
    assert putuo.value("t01", "inc.grand_total", "amount") == 2995.39  # on the continuation page


def test_pdf_interleaved_three_gong_header(putuo: finacct.Disclosure) -> None:
    t09 = putuo.facts[putuo.facts["table"] == "t09"]
    assert sorted(zip(t09["row"], t09["col"], t09["value"])) == [("budget", "reception", 0.95), ("budget", "total", 0.95)]


def test_pdf_wrapped_names_and_two_sided_tables(planning: finacct.Disclosure) -> None:
    assert planning.department == "上海市普陀区规划和自然资源局"  # the t01 title omits 普陀区
    assert planning.value("t05", "22102", "total") == 461.08  # first row of a continuation page
    assert planning.value("t06", "30108", "amount") == 446.11  # name wrapped around its amount
    assert planning.value("t01", "exp.220", "amount") == 4461.67
    assert planning.tables["t08"]["status"] == "declared_empty"


def test_cli_json_is_the_only_stdout() -> None:
    out = run_cli("extract", str(SAMPLE), "--json")
    doc = json.loads(out.stdout)
    assert doc["schema"] == "finacct.disclosure/1" and doc["source"] == SAMPLE.name
    assert {"table": "t01", "row": "inc.total", "col": "amount", "value": 6901.75} in [
        {k: f[k] for k in ("table", "row", "col", "value")} for f in doc["facts"]]


def test_xlsx_round_trip(tmp_path, changchun: finacct.Disclosure) -> None:
    out = run_cli("extract", str(SAMPLE), "--xlsx", str(tmp_path / "d.xlsx"))
    assert out.returncode == 0, out.stderr
    back = finacct.load(tmp_path / "d.xlsx")
    key = ["table", "row", "col"]
    merged = changchun.facts.merge(back.facts, on=key, suffixes=("", "_x"))
    assert len(merged) == len(changchun.facts) == len(back.facts)
    assert (merged["value"] == merged["value_x"]).all()
    kept = ("status", "pages", "statement", "unit")   # what the spreadsheet carries (confidence is re-derived)
    assert back.tables == {t: {k: v for k, v in s.items() if k in kept} for t, s in changchun.tables.items()}
    assert [p["funds"] for p in back.performance] == [p["funds"] for p in changchun.performance]


def test_contract_json_round_trip(changchun: finacct.Disclosure) -> None:
    again = finacct.Disclosure.from_contract(json.loads(changchun.to_json()))
    assert again.to_contract() == changchun.to_contract() | {"facts": again.to_contract()["facts"]}
    assert len(again.facts) == len(changchun.facts)


def test_notebook_summary_names_tables(putuo: finacct.Disclosure) -> None:
    html = putuo._repr_html_()
    assert "上海市普陀区财政局" in html and "declared_empty" in html and "支出决算表" in html


def test_performance_indicators_match_answer_key(changchun: finacct.Disclosure) -> None:
    from conftest import gold
    keys = ("level1", "level2", "name", "target", "actual")
    expected = {p["project"]: [tuple(i[k] for k in keys) for i in p["indicators"]] for p in gold("changchun_gov_office_2023")["performance"]}
    got = {p["project"]: [tuple(i[k] for k in keys) for i in p["indicators"]] for p in changchun.performance}
    assert got == expected


def test_empty_template_finds_every_table_and_invents_no_number() -> None:
    d = finacct.load(corpus_file("shanghai_template_final_accounts_2024.pdf"))
    assert d.facts.empty
    assert {t: s["status"] for t, s in d.tables.items()} == {f"t0{i}": "declared_empty" for i in range(1, 10)}
    assert d.tables["t09"]["pages"] == [12]


def test_printed_code_and_name_that_disagree_are_warned() -> None:
    from finacct.tables import canonical
    from finacct.tables.rows import RawRow
    from finacct.tables.specs import SPECS
    warnings: list[str] = []
    rows = [RawRow(page=10, label="住房公积金", code="2010601", cells=[("total", 1511.89)]),
            RawRow(page=10, label="行政运行", code="2010601", cells=[("basic", 1503.52)])]
    facts = canonical.facts(SPECS["t03"], rows, warnings)
    assert len(facts) == 2  # the number is kept, the disagreement is reported
    assert warnings == ["t03 p10: printed code 2010601 is '行政运行' in the classification, but the row is named '住房公积金'"]


def test_values_and_tables_follow_facts_edited_in_place_or_replaced() -> None:
    """value() and table() remember positions and built tables; a cell moved in place (as the
    teaching notebook does) or a new facts frame is still what they show."""
    d = finacct.load(SAMPLE)
    before = d.table("t05").set_index("row").loc["total", "total"]
    at = d.facts.index[(d.facts["table"] == "t05") & (d.facts["row"] == "total") & (d.facts["col"] == "total")][0]
    d.facts.loc[at, "value"] += 10
    assert (before, d.value("t05", "total", "total")) == (6901.84, 6911.84)
    assert d.table("t05").set_index("row").loc["total", "total"] == 6911.84
    d.facts = d.facts[d.facts["table"] != "t05"].reset_index(drop=True)
    assert d.value("t05", "total", "total") is None and d.table("t05").empty
    assert d.value("t01", "inc.grand_total", "amount") == 6901.84
