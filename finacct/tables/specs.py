"""The nine standard tables as data: how to recognise each title, what its columns are
called in headers, and (for the two-sided summaries) what each row label means.

Adding a province's wording is an edit here, not in the parsers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

TABLE_IDS = tuple(f"t0{i}" for i in range(1, 10))


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # regex searched in the (merged, space-free) header text of a column


@dataclass(frozen=True)
class TableSpec:
    id: str
    name: str
    title: str  # regex; the longest title match on a line decides the table
    kind: str  # functional | summary | economic | sangong
    columns: tuple[Column, ...]  # in header-matching priority order
    print_orders: tuple[tuple[str, ...], ...] = ()  # column orders by cell count, for text dumps
    side_columns: tuple[tuple[str, ...], ...] = ()  # summary tables: columns of each side


_FUNC_FLOW = (
    Column("carryover_begin", r"年初.*结转|年初结余"),
    Column("carryover_end", r"年末.*结转|年末结余"),
    Column("income", r"本年收入"),
    Column("personnel", r"人员经费"),
    Column("public", r"公用经费"),
    Column("basic", r"基本支出"),
    Column("project", r"项目支"),
    Column("total", r"^(本年支出)?(小计|合计)$|^小计|^合计"),
)

SPECS: dict[str, TableSpec] = {
    s.id: s
    for s in (
        TableSpec(
            "t01", "收入支出决算总表", r"收入支出决算总表", "summary",
            (Column("amount", r"决算数|金额|^决算$"),),
            side_columns=(("amount",), ("amount",)),
        ),
        TableSpec(
            "t02", "收入决算表", r"收入决算表", "functional",
            (
                Column("total", r"收入合|^合计$"),
                Column("appropriation", r"财政拨款"),
                Column("superior_subsidy", r"上级补助"),
                Column("business", r"事业收"),
                Column("operating", r"经营收"),
                Column("affiliated", r"附属单"),
                Column("other", r"其他收"),
            ),
            print_orders=(("total", "appropriation", "superior_subsidy", "business", "operating", "affiliated", "other"),),
        ),
        TableSpec(
            "t03", "支出决算表", r"支出决算表", "functional",
            (
                Column("total", r"支出合|^合计$"),
                Column("basic", r"基本支出"),
                Column("project", r"项目支"),
                Column("to_superior", r"上缴上级"),
                Column("operating", r"经营支"),
                Column("to_affiliated", r"对附属|附属单位补助"),
            ),
            print_orders=(("total", "basic", "project", "to_superior", "operating", "to_affiliated"),),
        ),
        TableSpec(
            "t04", "财政拨款收入支出决算总表", r"财政拨款收入支出决算总表", "summary",
            (
                Column("amount", r"决算数|金额"),
                Column("total", r"^合计$|^小计$"),
                Column("general_budget", r"一般公共"),
                Column("gov_fund", r"政府性基"),
                Column("state_capital", r"国有资本"),
            ),
            side_columns=(("amount",), ("total", "general_budget", "gov_fund", "state_capital")),
        ),
        TableSpec(
            "t05", "一般公共预算财政拨款支出决算表", r"一般公共预算财政拨款支出决算(明细)?表", "functional",
            (
                Column("personnel", r"人员经费"),
                Column("public", r"公用经费"),
                Column("basic", r"基本支出"),
                Column("project", r"项目支"),
                Column("total", r"合计|小计"),
            ),
            print_orders=(
                ("total", "basic", "personnel", "public", "project"),
                ("total", "basic", "project"),
            ),
        ),
        TableSpec(
            "t06", "一般公共预算财政拨款基本支出决算表", r"基本支出决算(明细)?表", "economic",
            (Column("amount", r"决算数|金额"),),
        ),
        TableSpec(
            "t07", "政府性基金预算财政拨款收入支出决算表", r"政府性基金预算财政拨款(收入)?(支出)?决算表", "functional",
            _FUNC_FLOW,
            print_orders=(
                ("carryover_begin", "income", "total", "basic", "project", "carryover_end"),
                ("carryover_begin", "income", "total", "basic", "personnel", "public", "project", "carryover_end"),
            ),
        ),
        TableSpec(
            "t08", "国有资本经营预算财政拨款支出决算表", r"国有资本经营预算财政拨款(收入)?(支出)?决算表", "functional",
            _FUNC_FLOW,
            print_orders=(
                ("total", "basic", "project"),
                ("carryover_begin", "income", "total", "basic", "project", "carryover_end"),
            ),
        ),
        TableSpec(
            "t09", "财政拨款“三公”经费支出决算表", r"三公.{0,2}经费(支出)?决算表", "sangong",
            (
                Column("vehicle_total", r"^小计$"),
                Column("vehicle_purchase", r"购置费$|车购置费"),
                Column("vehicle_operation", r"(?<!购置及)运行(维护)?费$|车运行"),
                Column("overseas", r"出国"),
                Column("reception", r"接待"),
                Column("total", r"^合计$"),
            ),
            print_orders=(("total", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception"),),
        ),
    )
}

# Header cells that name a side's label column: where a new side of a multi-sided table starts.
SIDE_LABEL_HEADER = re.compile(r"^项目$|科目编码$|^经济分类")
# Header cells that are label columns, never amounts.
LABEL_HEADERS = re.compile(r"^(项目|科目名称|类|款|项|类款|行次|栏次|功能分类.*|支出功能分类.*|经济分类.*|科目编码|收入|支出)$")
SANGONG_SIDES = (("budget", r"预算"), ("actual", r"决算"))

ORDINAL = re.compile(r"^[一二三四五六七八九十]+[、.．]")


@dataclass(frozen=True)
class RowLabel:
    key: str
    pattern: str  # full-match regex on the normalised label (ordinal stripped)
    after: str = ""  # only when the previous row on this side had a key starting with this


# Two-sided summary tables (t01, t04). Function classes (exp.<code>) come from classify.
SUMMARY_ROWS: tuple[tuple[RowLabel, ...], tuple[RowLabel, ...]] = (
    (
        RowLabel("inc.carryover_begin.general_budget", r"一般公共预算财政拨款(收入)?", "inc.carryover_begin"),
        RowLabel("inc.carryover_begin.gov_fund", r"政府性基金预算财政拨款(收入)?", "inc.carryover_begin"),
        RowLabel("inc.carryover_begin.state_capital", r"国有资本经营预算财政拨款(收入)?", "inc.carryover_begin"),
        RowLabel("inc.general_budget", r"一般公共预算财政拨款(收入)?"),
        RowLabel("inc.gov_fund", r"政府性基金预算财政拨款(收入)?"),
        RowLabel("inc.state_capital", r"国有资本经营预算财政拨款(收入)?"),
        RowLabel("inc.superior_subsidy", r"上级补助收入"),
        RowLabel("inc.business", r"事业收入"),
        RowLabel("inc.operating", r"经营收入"),
        RowLabel("inc.affiliated", r"附属单位上缴收入"),
        RowLabel("inc.other", r"其他收入"),
        RowLabel("inc.total", r"本年收入合计"),
        RowLabel("inc.use_non_fiscal_balance", r"使用非财政拨款结余.*"),
        RowLabel("inc.carryover_begin", r"(上年结转|年初).*(结转|结余).*"),
        RowLabel("inc.grand_total", r"(收入)?总计"),
    ),
    (
        RowLabel("exp.carryover_end.general_budget", r"一般公共预算财政拨款", "exp.carryover_end"),
        RowLabel("exp.carryover_end.gov_fund", r"政府性基金预算财政拨款", "exp.carryover_end"),
        RowLabel("exp.carryover_end.state_capital", r"国有资本经营预算财政拨款", "exp.carryover_end"),
        RowLabel("exp.total", r"本年支出合计"),
        RowLabel("exp.balance_distribution", r"结余分配"),
        RowLabel("exp.carryover_end", r"年末.*(结转|结余).*"),
        RowLabel("exp.grand_total", r"(支出)?总计"),
    ),
)

ECONOMIC_FOOTERS = (("personnel_total", r"人员经费(合计)?"), ("public_total", r"公用经费(合计)?"))
DECLARED_EMPTY = re.compile(r"本表无数据|(没有|无)[^。；]{0,30}(财政拨款|三公|经费)|本表为空|不涉及")


def normalise(label: str) -> str:
    """Label text as compared with patterns: no spaces, ASCII brackets, ordinal stripped."""
    text = re.sub(r"\s+", "", label).replace("(", "（").replace(")", "）")
    return ORDINAL.sub("", text)


def match_title(text: str) -> str | None:
    """Table id whose title regex matches most specifically (longest match) in a line."""
    flat = re.sub(r"\s+", "", text)
    best, best_len = None, 0
    for spec in SPECS.values():
        m = re.search(spec.title, flat)
        if m and len(m.group(0)) > best_len:
            best, best_len = spec.id, len(m.group(0))
    return best
