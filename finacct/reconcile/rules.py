"""The rules, as data. One entry per identity: a stable id, the tables it reads, the
evaluator that knows how to compare (identities.py, completeness.py, performance.py,
narrative.py) and that evaluator's parameters (cells as ``table:row:col``, a row or column
between slashes being a pattern). Adding a rule is adding an entry here, and a rule of a new
kind of check also an entry in checks.toml (what the kind is called in the Chinese report)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

INCOME_SOURCES = ("general_budget", "gov_fund", "state_capital", "superior_subsidy", "business", "operating",
                  "affiliated", "other")
FISCAL = ("general_budget", "gov_fund", "state_capital")
FUNCTIONAL_ROWS = r"\d{3}|\d{5}|\d{7}|total"
LOCAL = ("local",)
FINALS = ("local", "university")  # rules whose tables mean the same in both final-accounts templates
UNIVERSITY = ("university",)
BUDGETS = ("shanghai_budget", "jiangsu_budget", "university_budget")
SHANGHAI_B, JIANGSU_B, UNIVERSITY_B = ("shanghai_budget",), ("jiangsu_budget",), ("university_budget",)
NARRATIVE = FINALS + BUDGETS   # the narrative's claims are read alike in every template (items.csv names each one's cells)


@dataclass(frozen=True)
class Rule:
    id: str
    tables: tuple[str, ...]
    check: str                 # evaluator name, see reconcile/__init__.py
    says: str                  # one line for people: what must hold
    params: dict[str, Any] = field(default_factory=dict)
    templates: tuple[str, ...] = LOCAL  # the document templates (tables/templates) the rule is written for


@dataclass(frozen=True)
class CheckKind:
    """What one kind of check (a rule's ``check``) is called in the Chinese report. Kept as data
    beside the rules (checks.toml) so that a new kind brings its words with it, in one place."""
    gloss: str  # one line: what the kind checks
    short: str  # a few words for the findings table (the gloss where checks.toml gives none)


def _check_kinds() -> dict[str, CheckKind]:
    data = tomllib.loads(resources.files(__package__).joinpath("checks.toml").read_text(encoding="utf-8"))
    return {check: CheckKind(words["gloss"], words.get("short", words["gloss"])) for check, words in data.items()}


CHECK_KINDS: dict[str, CheckKind] = _check_kinds()


def _eq(id: str, tables: tuple[str, ...], says: str, lhs: list[str], rhs: list[str],
        templates: tuple[str, ...] = LOCAL, **kw: Any) -> Rule:
    return Rule(id, tables, "equation", says, {"lhs": lhs, "rhs": rhs, **kw}, templates)


RULES: tuple[Rule, ...] = (
    # -- within a table -----------------------------------------------------------------
    *(Rule(f"{t}.hierarchy", (t,), "hierarchy", f"{t}: every 类 = Σ 款, 款 = Σ 项, 合计 = Σ 类, in every column",
           templates=FINALS) for t in ("t02", "t03", "t05", "t07", "t08")),
    Rule("t06.hierarchy", ("t06",), "hierarchy", "t06: every 经济分类 类 = Σ its 款"),
    Rule("t02.columns", ("t02",), "columns", "t02: 本年收入合计 = 财政拨款 + 上级补助 + 事业 + 经营 + 附属单位上缴 + 其他, on every row",
         {"lhs": "total", "rhs": ["appropriation", "superior_subsidy", "business", "operating", "affiliated", "other"]}, FINALS),
    Rule("t03.columns", ("t03",), "columns", "t03: 本年支出合计 = 基本 + 项目 + 上缴上级 + 经营 + 对附属单位补助, on every row",
         {"lhs": "total", "rhs": ["basic", "project", "to_superior", "operating", "to_affiliated"]}, FINALS),
    *(Rule(f"{t}.columns", (t,), "columns", f"{t}: 合计 = 基本支出 + 项目支出, on every row", {"lhs": "total", "rhs": ["basic", "project"]},
           FINALS) for t in ("t05", "t07", "t08")),
    Rule("t02.education_fee", ("t02",), "columns", "t02: 事业收入 其中：教育收费 ≤ 事业收入, on every row",
         {"lhs": "business_education_fee", "rhs": ["business"], "op": "<="}, UNIVERSITY),
    Rule("t05.capital", ("t05",), "columns", "t05: 项目支出 其中：基本建设资金 ≤ 项目支出, on every row",
         {"lhs": "project_capital", "rhs": ["project"], "op": "<="}, UNIVERSITY),
    *(Rule(f"{t}.basic_columns", (t,), "columns", f"{t}: 基本支出 = 人员经费 + 公用经费, on every row",
           {"lhs": "basic", "rhs": ["personnel", "public"]}) for t in ("t05", "t07", "t08")),
    *(Rule(f"{t}.balance", (t,), "columns", f"{t}: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余, on every row",
           {"lhs": ["carryover_begin", "income"], "rhs": ["total", "carryover_end"]}) for t in ("t07", "t08")),
    Rule("t04.columns", ("t04",), "columns", "t04: each expenditure line 合计 = 一般公共预算 + 政府性基金 + 国有资本经营",
         {"lhs": "total", "rhs": list(FISCAL), "rows": r"exp\..*"}),
    Rule("t09.columns", ("t09",), "columns", "t09: 合计 = 因公出国（境）+ 公务用车购置及运行 + 公务接待, 预算 and 决算",
         {"lhs": "total", "rhs": ["overseas", "vehicle_total", "reception"]}),
    Rule("t09.vehicle", ("t09",), "columns", "t09: 公务用车购置及运行费 = 购置费 + 运行费, 预算 and 决算",
         {"lhs": "vehicle_total", "rhs": ["vehicle_purchase", "vehicle_operation"]}),
    _eq("t01.income_total", ("t01",), "t01 本年收入合计 = Σ income lines",
        ["t01:inc.total:amount"], [f"t01:inc.{s}:amount" for s in INCOME_SOURCES]),
    _eq("t01.income_total.university", ("t01",), "t01 本年收入合计 = 财政拨款 + 上级补助 + 事业 + 经营 + 附属单位上缴 + 其他",
        ["t01:inc.total:amount"], [f"t01:inc.{s}:amount" for s in ("appropriation", *INCOME_SOURCES[3:])], UNIVERSITY),
    _eq("t01.gov_fund_within", ("t01",), "t01 其中：政府性基金预算财政拨款 ≤ 财政拨款收入", ["t01:inc.gov_fund:amount"],
        ["t01:inc.appropriation:amount"], UNIVERSITY, op="<="),
    _eq("t01.donation_within", ("t01",), "t01 其中：捐赠收入 ≤ 其他收入", ["t01:inc.donation:amount"], ["t01:inc.other:amount"],
        UNIVERSITY, op="<="),
    _eq("t01.expenditure_total", ("t01",), "t01 本年支出合计 = Σ expenditure classes",
        ["t01:exp.total:amount"], [r"t01:/exp\.\d{3}/:amount"], FINALS),
    _eq("t01.income_grand_total", ("t01",), "t01 总计(收) = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余",
        ["t01:inc.grand_total:amount"], ["t01:inc.total:amount", "t01:inc.use_non_fiscal_balance:amount", "t01:inc.carryover_begin:amount"], FINALS),
    _eq("t01.expenditure_grand_total", ("t01",), "t01 总计(支) = 本年支出合计 + 结余分配 + 年末结转和结余",
        ["t01:exp.grand_total:amount"], ["t01:exp.total:amount", "t01:exp.balance_distribution:amount", "t01:exp.carryover_end:amount"], FINALS),
    _eq("t01.grand_totals", ("t01",), "t01 总计(收) = 总计(支)", ["t01:inc.grand_total:amount"], ["t01:exp.grand_total:amount"], FINALS),
    _eq("t04.income_total", ("t04",), "t04 本年收入合计 = 一般公共预算 + 政府性基金 + 国有资本经营",
        ["t04:inc.total:amount"], [f"t04:inc.{s}:amount" for s in FISCAL]),
    _eq("t04.carryover_begin", ("t04",), "t04 年初财政拨款结转和结余 = its three parts",
        ["t04:inc.carryover_begin:amount"], [f"t04:inc.carryover_begin.{s}:amount" for s in FISCAL]),
    *(_eq(f"t04.expenditure_total.{c}", ("t04",), f"t04 本年支出合计 ({c}) = Σ expenditure classes",
          [f"t04:exp.total:{c}"], [rf"t04:/exp\.\d{{3}}/:{c}"]) for c in ("total", *FISCAL)),
    _eq("t04.income_grand_total", ("t04",), "t04 总计(收) = 本年收入合计 + 年初财政拨款结转和结余",
        ["t04:inc.grand_total:amount"], ["t04:inc.total:amount", "t04:inc.carryover_begin:amount"]),
    _eq("t04.expenditure_grand_total", ("t04",), "t04 总计(支) = 本年支出合计 + 年末财政拨款结转和结余",
        ["t04:exp.grand_total:total"], ["t04:exp.total:total", "t04:exp.carryover_end:total"]),
    _eq("t04.grand_totals", ("t04",), "t04 总计(收) = 总计(支)", ["t04:inc.grand_total:amount"], ["t04:exp.grand_total:total"]),
    _eq("t06.personnel_total", ("t06",), "t06 人员经费合计 = 301 + 303", ["t06:personnel_total:amount"], ["t06:301:amount", "t06:303:amount"]),
    _eq("t06.public_total", ("t06",), "t06 公用经费合计 = 302 + 307 + 310 + 399",
        ["t06:public_total:amount"], ["t06:302:amount", "t06:307:amount", "t06:310:amount", "t06:399:amount"]),
    # -- across tables -------------------------------------------------------------------
    Rule("x.t01_t03.classes", ("t01", "t03"), "match_rows", "t01 expenditure class = t03 类 本年支出合计",
         {"left": "t01:exp.{key}:amount", "right": "t03:{key}:total", "keys": r"\d{3}"}, FINALS),
    _eq("x.t01_t03.total", ("t01", "t03"), "t01 本年支出合计 = t03 合计", ["t01:exp.total:amount"], ["t03:total:total"], FINALS),
    _eq("x.t01_t02.total", ("t01", "t02"), "t01 本年收入合计 = t02 合计", ["t01:inc.total:amount"], ["t02:total:total"], FINALS),
    _eq("x.t01_t02.appropriation.university", ("t01", "t02"), "t01 财政拨款收入 = t02 财政拨款收入",
        ["t01:inc.appropriation:amount"], ["t02:total:appropriation"], UNIVERSITY),
    _eq("x.t01_t02.appropriation", ("t01", "t02"), "t01 财政拨款 income lines = t02 财政拨款收入",
        [f"t01:inc.{s}:amount" for s in FISCAL], ["t02:total:appropriation"]),
    *(_eq(f"x.t01_t02.{s}", ("t01", "t02"), f"t01 {s} income = t02 合计 {s}", [f"t01:inc.{s}:amount"], [f"t02:total:{s}"], FINALS)
      for s in INCOME_SOURCES[3:]),
    *(_eq(f"x.t01_t04.{s}", ("t01", "t04"), f"t01 {s} income = t04", [f"t01:inc.{s}:amount"], [f"t04:inc.{s}:amount"])
      for s in FISCAL),
    Rule("x.t04_t05.classes", ("t04", "t05"), "match_rows", "t04 一般公共预算 column = t05 类 合计",
         {"left": "t04:exp.{key}:general_budget", "right": "t05:{key}:total", "keys": r"\d{3}"}),
    _eq("x.t04_t05.total", ("t04", "t05"), "t04 本年支出合计 一般公共预算 = t05 合计",
        ["t04:exp.total:general_budget"], ["t05:total:total"]),
    Rule("x.t05_le_t03", ("t05", "t03"), "match_rows", "t05 ≤ t03 on every row and column (appropriations are part of all funds)",
         {"left": "t05:{key}:{col}", "right": "t03:{key}:{col}", "keys": FUNCTIONAL_ROWS, "op": "<=",
          "cols": ["total", "basic", "project"]}, FINALS),
    _eq("x.t05_t06.basic", ("t05", "t06"), "t05 合计 基本支出 = t06 人员经费合计 + 公用经费合计",
        ["t05:total:basic"], ["t06:personnel_total:amount", "t06:public_total:amount"]),
    _eq("x.t05_t06.personnel", ("t05", "t06"), "t05 合计 人员经费 = t06 人员经费合计", ["t05:total:personnel"], ["t06:personnel_total:amount"]),
    _eq("x.t05_t06.public", ("t05", "t06"), "t05 合计 公用经费 = t06 公用经费合计", ["t05:total:public"], ["t06:public_total:amount"]),
    _eq("x.t09_t06.reception", ("t09", "t06"), "t09 决算 公务接待费 = t06 30217", ["t09:actual:reception"], ["t06:30217:amount"]),
    _eq("x.t09_t06.vehicle_operation", ("t09", "t06"), "t09 决算 公务用车运行费 = t06 30231",
        ["t09:actual:vehicle_operation"], ["t06:30231:amount"]),
    *(_eq(f"x.t05_t06.line.{f}", ("t05", "t06"), f"t05 {f} against t06 {e} (informational)", [f"t05:{f}:total"], [f"t06:{e}:amount"], strict=False)
      for f, e in (("2080505", "30108"), ("2080506", "30109"), ("21011", "30110"), ("2210201", "30113"))),
    *(Rule(f"x.codes.{t}", (t,), "code_names", f"{t}: each printed code carries the name the {scheme} reference gives it",
           {"scheme": scheme}, FINALS) for t, scheme in (("t02", "functional"), ("t03", "functional"), ("t05", "functional"),
                                                 ("t07", "functional"), ("t08", "functional"), ("t06", "economic"))),
    Rule("x.codes.same_line", ("t02", "t03", "t05"), "same_codes", "the same 项 (same 款, same name) carries one code in t02, t03 and t05",
         templates=FINALS),
    # -- budgets (部门预算): inside each table, from the template's data -------------------------
    Rule("budget.hierarchy", (), "template_hierarchy", "each classified table: 类 = Σ 款 = Σ 项 and 合计 = Σ 类, in every column",
         templates=BUDGETS),
    Rule("budget.columns", (), "template_sums", "each table's column sums as its template declares them (合计 = 基本 + 项目 …)",
         templates=BUDGETS),
    Rule("b02.education_fee", ("b02",), "columns", "b02: 事业收入 其中：教育收费 ≤ 事业收入, on every row",
         {"lhs": "business_education_fee", "rhs": ["business"], "op": "<="}, UNIVERSITY_B),
    _eq("b01.income_total", ("b01",), "b01 本年收入 = 财政拨款 + 财政专户 + 事业 + 经营 + 其他 (收入 lines)",
        ["b01:inc.total:amount"], [f"b01:inc.{s}:amount" for s in ("appropriation", "fiscal_special", "business", "operating",
                                                                    "other", "other_funds")], BUDGETS),
    _eq("b01.appropriation", ("b01",), "b01 财政拨款 = 一般公共预算 + 政府性基金 + 国有资本经营",
        ["b01:inc.appropriation:amount"], [f"b01:inc.{s}:amount" for s in FISCAL], BUDGETS, optional=True),
    _eq("b01.donation_within", ("b01",), "b01 其中：捐赠收入 ≤ 其他收入", ["b01:inc.donation:amount"], ["b01:inc.other:amount"],
        BUDGETS, op="<=", optional=True),
    _eq("b01.expenditure_total", ("b01",), "b01 本年支出 = Σ 功能分类 classes", ["b01:exp.total:amount"], [r"b01:/exp\.\d{3}/:amount"],
        BUDGETS, optional=True),
    _eq("b01.expenditure_use", ("b01",), "b01 本年支出 = 基本支出 + 项目支出 + 单位预留机动经费 (支出用途)",
        ["b01:exp.total:amount"], [f"b01:exp.{s}:amount" for s in ("basic", "project", "reserve")], BUDGETS, optional=True),
    _eq("b01.balance", ("b01",), "b01 收入 (本年 + 使用非财政拨款结余 + 上年结转) = 支出 (本年 + 结转下年)",
        [f"b01:inc.{s}:amount" for s in ("total", "use_non_fiscal_balance", "use_business_fund", "carryover_begin")],
        ["b01:exp.total:amount", "b01:exp.carryover_end:amount"], BUDGETS),
    _eq("b01.grand_totals", ("b01",), "b01 收入总计 = 支出总计", ["b01:inc.grand_total:amount"], ["b01:exp.grand_total:amount"],
        BUDGETS, optional=True),
    _eq("b04.income_total", ("b04",), "b04 收入合计 = 一般公共预算 + 政府性基金 + 国有资本经营",
        ["b04:inc.total:amount"], [f"b04:inc.{s}:amount" for s in FISCAL], BUDGETS),
    *(_eq(f"b04.expenditure_total.{c}", ("b04",), f"b04 支出合计 ({c}) = Σ 功能分类 classes",
          [f"b04:exp.total:{c}"], [rf"b04:/exp\.\d{{3}}/:{c}"], BUDGETS, optional=True) for c in ("total", *FISCAL)),
    _eq("b04.expenditure_use", ("b04",), "b04 支出合计 = 基本支出 + 项目支出 + 单位预留机动经费 (支出用途)",
        ["b04:exp.total:total"], [f"b04:exp.{s}:total" for s in ("basic", "project", "reserve")], BUDGETS, optional=True),
    _eq("b04.balance", ("b04",), "b04 财政拨款 收入合计 = 支出合计", ["b04:inc.total:amount"], ["b04:exp.total:total"], BUDGETS),
    # -- budgets: across tables ---------------------------------------------------------------------
    *(Rule(f"x.b01_{t}.classes", ("b01", t), "match_rows", f"b01 expenditure class = {t} 类 合计",
           {"left": "b01:exp.{key}:amount", "right": t + ":{key}:total", "keys": r"\d{3}"}, tpl)
      for t, tpl in (("b03", SHANGHAI_B + UNIVERSITY_B), ("b10", JIANGSU_B))),
    _eq("x.b01_b03.total", ("b01", "b03"), "b01 本年支出 = b03 合计", ["b01:exp.total:amount"], ["b03:total:total"], BUDGETS),
    _eq("x.b01_b02.total", ("b01", "b02"), "b01 本年收入 = b02 合计", ["b01:inc.total:amount"], ["b02:total:total"], SHANGHAI_B),
    _eq("x.b01_b02.total.sources", ("b01", "b02"), "b01 本年收入 = b02 收入总计", ["b01:inc.total:amount"], ["b02:total:amount"],
        JIANGSU_B),
    _eq("x.b01_b02.grand_total", ("b01", "b02"), "b01 收入总计 = b02 收入合计 合计", ["b01:inc.grand_total:amount"],
        ["b02:total:total"], UNIVERSITY_B),
    *(_eq(f"x.b01_b02.{s}", ("b01", "b02"), f"b01 {s} income = b02 合计 {s}", [f"b01:inc.{s}:amount"], [f"b02:total:{s}"],
          SHANGHAI_B + UNIVERSITY_B) for s in ("appropriation", "business", "other")),
    _eq("x.b04_b05.total", ("b04", "b05"), "b04 一般公共预算 收入 = b05 合计", ["b04:inc.general_budget:amount"], ["b05:total:total"],
        BUDGETS),
    Rule("x.b04_b05.classes", ("b04", "b05"), "match_rows", "b04 一般公共预算 column = b05 类 合计",
         {"left": "b04:exp.{key}:general_budget", "right": "b05:{key}:total", "keys": r"\d{3}"}, SHANGHAI_B),
    Rule("x.b05_le_b03", ("b05", "b03"), "match_rows", "b05 ≤ b03 on every row and column (appropriations are part of all funds)",
         {"left": "b05:{key}:{col}", "right": "b03:{key}:{col}", "keys": FUNCTIONAL_ROWS, "op": "<=",
          "cols": ["total", "basic", "project"]}, SHANGHAI_B + UNIVERSITY_B),
    Rule("x.b05_b02.appropriation", ("b05", "b02"), "match_rows", "b05 财政拨款支出 = b02 财政拨款收入 on every row",
         {"left": "b05:{key}:total", "right": "b02:{key}:appropriation", "keys": FUNCTIONAL_ROWS}, UNIVERSITY_B),
    _eq("x.b06_b05.basic", ("b06", "b05"), "b06 合计 = b05 合计 基本支出", ["b06:total:total"], ["b05:total:basic"], SHANGHAI_B),
    _eq("x.b06_b03.basic", ("b06", "b03"), "b06 合计 = b03 基本支出", ["b06:total:amount"], ["b03:total:basic"], JIANGSU_B),
    Rule("x.b05_le_b10", ("b05", "b10"), "match_rows", "b05 (一般公共预算) ≤ b10 (all appropriations) on every row",
         {"left": "b05:{key}:total", "right": "b10:{key}:total", "keys": FUNCTIONAL_ROWS, "op": "<="}, JIANGSU_B),
    Rule("x.b06_le_b11", ("b06", "b11"), "match_rows", "b06 (一般公共预算 基本支出) ≤ b11 (all appropriations) on every line",
         {"left": "b06:{key}:amount", "right": "b11:{key}:amount", "keys": r"\d{3}|\d{5}|total", "op": "<="}, JIANGSU_B),
    Rule("x.b12_le_b06", ("b12", "b06"), "match_rows", "b12 机关运行经费 ≤ b06 基本支出 on every line",
         {"left": "b12:{key}:amount", "right": "b06:{key}:amount", "keys": r"\d{3}|\d{5}", "op": "<="}, JIANGSU_B),
    # -- a final against its budget document (given as check --budget) -------------------------------
    Rule("x.budget.stated", (), "stated_budget", "each 年初预算 the 情况说明 states equals the budget document's b05 line",
         templates=FINALS),
    Rule("x.budget.sangong", ("t09",), "sangong_budget", "t09 三公 预算数 equals the budget document's b09", templates=("local",)),
    # -- a document against the same department's of the year before (check --prior) -----------------
    Rule("x.prior.balance", (), "carried_balance", "年初结转和结余 = last year's 年末结转和结余, in total and per fund",
         {"pairs": [("t01:inc.carryover_begin:amount", "t01:exp.carryover_end:amount"),
                    ("t04:inc.carryover_begin:amount", "t04:exp.carryover_end:total"),
                    *((f"t04:inc.carryover_begin.{s}:amount", f"t04:exp.carryover_end:{s}") for s in FISCAL)]}, FINALS),
    Rule("x.prior.stated", (), "stated_prior", "each prior-year figure the 情况说明 states or implies equals last year's document",
         templates=("local",)),
    # -- completeness and wording ----------------------------------------------------------
    Rule("completeness.tables", (), "tables_present", "every table of the document's template is present or declared empty",
         templates=FINALS + BUDGETS),
    Rule("completeness.empty_note", (), "empty_notes", "no table that prints amounts also says it is empty (本表为空表)",
         templates=FINALS + BUDGETS),
    Rule("completeness.narrative", (), "narrative_parts", "the 情况说明 has every part the template requires",
         {"parts": [("总体情况", "收入支出决算总体情况"), ("收入", "收入决算情况"), ("支出", "(?<!收入)支出决算情况说明"),
                    ("财政拨款", "财政拨款收入支出决算总体情况"), ("一般公共预算结构", "支出决算结构"),
                    ("一般公共预算具体情况", "支出决算具体情况"), ("基本支出", "基本支出决算情况"), ("三公", "三公"),
                    ("机关运行经费", "机关运行经费"), ("政府采购", "政府采购"), ("国有资产", "国有资产"), ("绩效", "绩效"),
                    ("名词解释", "名词解释")]}),
    Rule("text.placeholders", (), "placeholders", "no template placeholder is left anywhere (XX, 某某, 增加（减少）, 下降（增长）)",
         {"pattern": r"[XＸ×]{2,}|某某|(?:增加|减少|增长|下降|大于|小于)（(?:增加|减少|增长|下降|大于|小于)）"}, NARRATIVE),
    Rule("text.number_format", (), "number_format", "amounts carry 万元 and percentages carry %",
         {"patterns": [("amount without 元", r"\d万(?=[，,。；;、（(）)]|$)"),
                       ("percentage without %", r"(?:增长|下降|降低|减少|增加)\d+\.\d+(?=[。，；])")]}, NARRATIVE),
    Rule("text.typos", (), "typos", "no known misprint (a list of wrong → right pairs)",
         {"pairs": [("较上一度", "较上一年度"), ("士地", "土地"), ("正产运转", "正常运转"), ("万元元", "万元"), ("百分之百%", "100%")]},
         NARRATIVE),
    Rule("text.brackets", (), "brackets", "every parenthesis opened in the 情况说明 is closed within its section", templates=NARRATIVE),
    Rule("text.years", (), "years", "table titles carry the document's year; the narrative compares it with the year before",
         templates=NARRATIVE),
    Rule("text.department", (), "department_name", "table titles and the 情况说明 print the department's name as it is", templates=NARRATIVE),
    # -- performance self-evaluation ---------------------------------------------------------
    Rule("perf.execution_rate", (), "execution_rate", "each 自评表: 执行率 = 全年执行数 / 全年预算数"),
    Rule("perf.sources", (), "sources", "each 自评表: 年度资金总和 = 当年财政拨款 + 上年结转资金 + 其他资金"),
    Rule("perf.cost_indicators", (), "cost_indicators", "each 自评表: Σ 成本指标 actuals against 全年执行数 (informational)"),
    Rule("perf.targets", (), "targets", "each indicator meets its target, or a 偏差原因 explains why not"),
    # -- the narrative against the tables and itself -------------------------------------------
    Rule("narrative.amount", (), "amounts", "every amount the 情况说明 states equals the table cell it names", templates=NARRATIVE),
    Rule("narrative.item", (), "item_lines", "each 项 the narrative names (五(三), 财政拨款支出主要内容): its amount equals t05 (b05) and "
         "its 类/款/项 names (or code) fit the table", {"tables": ["t05", "b05"]}, NARRATIVE),
    Rule("narrative.change_pct", (), "change_pct",
         "增长/下降 Y% = difference / base (the 预算, last year's as stated, else as implied: amount − change)", templates=NARRATIVE),
    Rule("narrative.share", (), "shares", "占 Z% = amount / its base (the amount the sentence opened with before 其中, else the base named)",
         templates=NARRATIVE),
    Rule("narrative.share_sum", (), "share_sums", "the shares one sentence gives the parts of one whole add to 100%",
         templates=NARRATIVE),
    Rule("narrative.completion_rate", (), "completion_rates",
         "完成（年初）预算的 R% = 决算 / the 预算 it names (年初预算, 调整预算 / 全年预算), not the other", templates=NARRATIVE),
    Rule("narrative.wording", (), "wording",
         "every comparison word (大于/小于/持平/增加/减少/增长/下降…) agrees with the other words about it and with a − b",
         templates=NARRATIVE),
    Rule("narrative.difference", (), "differences", "a stated difference (决算数比预算数减少 X 万元) = a − b", templates=NARRATIVE),
    Rule("narrative.change_sum", (), "change_sums",
         "the changes from last year stated for the parts of a whole (its classes, its sources…) add up to the whole's",
         {"sums": [("sangong", ["overseas", "vehicle_total", "reception"]), ("vehicle_total", ["vehicle_purchase", "vehicle_operation"]),
                   ("income_total", ["appropriation", "superior_subsidy", "business_income", "operating_income", "affiliated_income",
                                     "other_income"]),
                   ("expenditure_total", ["basic", "project", "to_superior", "operating_expenditure", "to_affiliated"]),
                   ("gb_basic", ["personnel", "public"]),
                   *((whole, [r"class:\d{3}"]) for whole in ("expenditure_total", "appropriation_expenditure", "gb_expenditure"))]},
         NARRATIVE),
    Rule("narrative.prior_year", ("t04",), "prior_year", "implied prior-year 财政拨款总计 ≥ prior 一般公共预算支出 + the balance carried into this year"),
    Rule("narrative.budget_items", (), "budget_items", "Σ 项 年初预算 in 五(三) = the stated total 年初预算", templates=FINALS),
    Rule("narrative.procurement", (), "procurement", "政府采购 total = 货物 + 工程 + 服务", templates=NARRATIVE),
    Rule("narrative.procurement_awards", (), "procurement_awards", "授予中小企业 ≤ 政府采购 total, and 小微 ≤ 中小",
         {"bounds": [("procurement_sme", "procurement_total", "授予中小企业 ≤ 政府采购"),
                     ("procurement_small", "procurement_sme", "授予小微企业 ≤ 授予中小企业")]}, NARRATIVE),
    Rule("narrative.listed_items", ("t06",), "listed_items", "items named under 人员经费/公用经费 are printed in t06"),
    Rule("narrative.vehicles", (), "vehicles", "vehicle counts agree and equal the sum of their categories", templates=NARRATIVE),
)
