"""What the department-report notebook shows, one function per section, so the notebook
stays thin (every cell is one call) and its logic is tested like any other code. Text taken
from a document is escaped before it is shown as HTML or Markdown.

The report is for a reader of the document, in Chinese: a summary card, what is wrong
(errors with their pages, then rounding), the drafted 情况说明, the charts, then the tables
as printed (Chinese headers, 2 decimals, each collapsible) and links to the data files.
Findings carry English messages in findings.json; here they are rendered in Chinese from
their structured fields and a few message patterns, else shown as they are."""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from itertools import zip_longest
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

from finacct import budget as budget_file
from finacct import charts, reconcile
from finacct.load import load
from finacct.model import Disclosure
from finacct.narrative.draft import explain
from finacct.narrative.numbers import amount
from finacct.reconcile.findings import Findings
from finacct.reconcile.rules import CHECK_KINDS, RULES

e = html.escape
alt.renderers.enable("mimetype")   # JupyterLab draws Vega-Lite itself; report/html.py embeds it offline


def open_inputs(source: str, prior_source: str = "", budget: str = "") -> tuple[Disclosure, Disclosure | None, Disclosure | dict[str, float]]:
    """The disclosure, last year's (if given) and its budget (if given): the department's budget
    disclosure, or a user's 年初预算 file (code,budget)."""
    return load(source), (load(prior_source) if prior_source else None), (budget_file.open_budget(budget) if budget else {})


def check(d: Disclosure, budget: Disclosure | dict[str, float]) -> Findings:
    """Every rule; a final with its budget disclosure is also checked against it."""
    return reconcile.check(d, budget=budget if isinstance(budget, Disclosure) else None)


# Markdown that makes links: [text](url), [ref]: url, <url> and bare http://… (autolinked).
_LINK_SYNTAX = str.maketrans({"[": "\\[", "]": "\\]", ":": "\\:"})


def md_escape(text: str) -> str:
    """Document text as Markdown that renders as the same text: no raw HTML (a document
    holding <script> cannot inject markup) and no link (a department named
    [点我](javascript:…) stays text, never a clickable javascript: link)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").translate(_LINK_SYNTAX)


def safe_markdown(text: str) -> Markdown:
    """Markdown with no raw HTML and no links (see md_escape): every Markdown output of the
    report goes through here."""
    return Markdown(md_escape(text))


def heading(d: Disclosure) -> Markdown:
    return safe_markdown(f"# {d.department or d.source} {d.year or ''} 年度{kind_name(d)} · finacct 报告")


def kind_name(d: Disclosure) -> str:
    return "部门预算" if d.kind == "budget" else "部门决算"


# -- words: pages or lines, statuses, column and rule names in Chinese -------------------------
TEXT_DUMP = "source is a text dump"
STATUS_ZH = {"error": "错误", "rounding": "尾数", "insufficient_data": "数据不足", "not_applicable": "不适用", "ok": "通过"}
TABLE_STATUS_ZH = {"present": "已读取", "declared_empty": "注明为空表", "missing": "未找到", "unreadable": "无法读取",
                   "not_required": "模板不要求"}


def line_word(d: Disclosure) -> str:
    """页 for a PDF; 行 for a text dump, whose positions are line numbers."""
    return "行" if any(w.startswith(TEXT_DUMP) for w in d.warnings) else "页"


def where(d: Disclosure, pages: Iterable[Any]) -> str:
    """第92页 / 第135、247行: the positions of a finding or table in the document's own terms."""
    shown = sorted({int(p) for p in pages if p is not None and not (isinstance(p, float) and pd.isna(p))})
    if not shown:
        return ""
    text = "、".join(map(str, shown[:8])) + ("等" if len(shown) > 8 else "")
    return f"第{text}{line_word(d)}"


COLUMN_NAMES = {
    "amount": "决算数", "total": "合计", "grand_total": "合计",
    "appropriation": "财政拨款", "superior_subsidy": "上级补助收入", "business": "事业收入", "operating": "经营支出",
    "affiliated": "附属单位上缴收入", "other": "其他收入", "business_education_fee": "其中：教育收费",
    "use_non_fiscal_balance": "使用非财政拨款结余", "carryover": "上年结转", "fiscal_special": "财政专户管理资金",
    "general_budget": "一般公共预算", "gov_fund": "政府性基金预算", "state_capital": "国有资本经营预算",
    "basic": "基本支出", "project": "项目支出", "project_capital": "其中：基本建设", "to_superior": "上缴上级支出",
    "to_affiliated": "对附属单位补助支出", "reserve": "单位预留机动经费", "personnel": "人员经费", "public": "公用经费",
    "carryover_begin": "年初结转和结余", "carryover_end": "年末结转和结余", "income": "本年收入",
    "vehicle_total": "公务用车购置及运行费", "vehicle_purchase": "公务用车购置费", "vehicle_operation": "公务用车运行费",
    "overseas": "因公出国（境）费", "reception": "公务接待费", "operating_cost": "机关运行经费", "meeting": "会议费",
    "training": "培训费", "executed": "全年执行数",
}
ROW_NAMES = {"total": "合计", "budget": "预算数", "actual": "决算数", "personnel_total": "人员经费合计", "public_total": "公用经费合计"}


def column_name(d: Disclosure, tid: str, key: str) -> str:
    """The Chinese header of a column key in one table of the document."""
    spec = d.spec.tables.get(tid)
    keys = {c.key for c in spec.columns} if spec else set()
    name = d.spec.name_of(tid)
    if key == "amount":
        return "预算数" if d.kind == "budget" else "决算数"
    if key == "operating":
        return "经营收入" if "收入" in name and "支出" not in name else "经营支出"
    if key == "appropriation" and d.kind == "final":
        return "财政拨款收入"
    if key == "total" and "grand_total" in keys:
        return "“三公”经费小计"
    if key == "total" and "carryover_begin" in keys:
        return "本年支出合计"
    return COLUMN_NAMES.get(key, key)


def _row_names(d: Disclosure, tid: str) -> dict[str, str]:
    f = d.facts[d.facts["table"] == tid]
    return {r: str(label) for r, label in zip(f["row"], f["label"]) if isinstance(label, str) and label.strip()}


@cache
def _rules() -> dict[str, Any]:
    return {r.id: r for r in RULES}


def _rule(rule_id: str) -> Any:
    by_id = _rules()
    if rule_id in by_id:
        return by_id[rule_id]
    base = rule_id.rsplit(".", 1)[0]
    return by_id.get(base) or by_id.get(f"budget.{rule_id.rsplit('.', 1)[-1]}")


def rule_short(rule_id: str) -> str:
    """A few words for the findings table: what kind of check it is."""
    r = _rule(rule_id)
    kind = CHECK_KINDS.get(r.check if r is not None else rule_id.rsplit(".", 1)[-1])
    return kind.short if kind is not None else rule_gloss(rule_id)


def rule_gloss(rule_id: str) -> str:
    """What a rule checks, in Chinese (its kind's gloss)."""
    r = _rule(rule_id)
    if r is not None and r.check in CHECK_KINDS:
        return CHECK_KINDS[r.check].gloss
    tail = rule_id.rsplit(".", 1)[-1]
    return _gloss(tail, _gloss({"stated": "amounts"}.get(tail, ""), "核对"))


def _gloss(check: str, default: str) -> str:
    """A check kind's gloss, or default where the check is not a kind checks.toml names."""
    kind = CHECK_KINDS.get(check)
    return kind.gloss if kind is not None else default


SAYS_PHRASES = (
    (r"^(?:[tb]\d\d): every 类 = Σ 款, 款 = Σ 项, 合计 = Σ 类, in every column$", "每一列：类 = Σ款，款 = Σ项，合计 = Σ类"),
    (r"^t06: every 经济分类 类 = Σ its 款$", "经济分类：每个类 = Σ所属款"),
    (r", on every row and column", "（每行每列）"), (r", on every row", "（每一行）"), (r" on every row and column", "（每行每列）"),
    (r" on every row", "（每一行）"), (r" on every line", "（每一行）"), (r", 预算 and 决算", "（预算数和决算数）"),
    (r", in total and per fund", "（合计及分资金来源）"), (r"each expenditure line ", "每个支出行 "),
    (r"Σ income lines", "Σ收入各行"), (r"Σ expenditure classes", "Σ支出各类"), (r"Σ 功能分类 classes", "Σ功能分类各类"),
    (r"expenditure class", "支出类"), (r"its three parts", "其三项之和"), (r"\(informational\)", "（仅供参考）"),
    (r"\(appropriations are part of all funds\)", "（财政拨款是全部资金的一部分）"), (r"\(all appropriations\)", "（全部财政拨款）"),
    (r"\(收入 lines\)", "（收入各行）"), (r"\(支出用途\)", "（支出用途）"), (r" against ", " 对照 "), (r" column", " 列"),
    (r" income lines", " 收入各行"), (r" income", " 收入"), (r"last year's ", "上年"), (r"^each 自评表: ", "每张自评表："),
)


def says_zh(rule: Any) -> str:
    """A rule's one line in Chinese: its formula with the English words translated, or the
    Chinese gloss of its kind when the line is prose."""
    text = rule.says
    for pat, rep in SAYS_PHRASES:
        text = re.sub(pat, rep, text)
    text = re.sub(r"\(([a-z_]+)\)", lambda m: f"（{COLUMN_NAMES.get(m[1], m[1])}）", text)
    text = re.sub(r"\b([a-z_]{4,})\b", lambda m: COLUMN_NAMES.get(m[1], m[1]), text)
    text = re.sub(r"^([tb]\d\d): ", r"\1：", text)
    return text if not re.search(r"[A-Za-z]{3,}", re.sub(r"\b[tb]\d\d\b", "", text)) else _gloss(rule.check, text)


def rules_table(template: str | None = None) -> pd.DataFrame:
    """The rules in Chinese: id, tables, the kind's gloss and the rule's own line."""
    rows = [{"规则": r.id, "涉及的表": "、".join(r.tables) or "—", "类别": _gloss(r.check, r.check), "要求": says_zh(r)}
            for r in RULES if template is None or template in r.templates]
    return pd.DataFrame(rows)


# -- findings in Chinese -----------------------------------------------------------------------
IDENTITY = re.compile(r"^(?P<what>.+): (?P<a>-?[\d.]+) (?P<sign>[=≈≠≤>]|vs) (?P<e>-?[\d.]+)"
                      r"(?: \(diff (?P<diff>[-+][\d.]+), tolerance (?P<tol>[\d.]+)\))?$")
STATED = re.compile(r"^(?P<item>.+?) (?P<kind>change|完成率|share of \S+) stated (?P<s>[-\d.]+%), recomputed (?P<calc>.+?) = (?P<r>[-\d.]+%)"
                    r"(?:: “(?P<q>.*)”)?$", re.S)
AMOUNT = re.compile(r"^(?P<item>.+?) (?P<s>[-\d.]+) vs (?P<t>[tb]\d\d) (?P<row>\S+) (?P<col>\S+) (?P<v>[-\d.]+)(?:: “(?P<q>.*)”)?$", re.S)
PARTS = re.compile(r"^(?P<item>.+?) (?P<s>[-\d.]+) vs Σ parts (?P<v>[-\d.]+) \((?P<n>\d+) parts\)(?:: “(?P<q>.*)”)?$", re.S)
INSUFFICIENT = (
    (r": no budget document given \(check --budget\)$", "未提供同年部门预算，无法核对"),
    (r": no prior-year document given \(check --prior\)$", "未提供上年文件，无法核对"),
    (r": (\S+) missing or unreadable$", r"缺少或无法读取 \1"), (r"^(\S+) not available$", r"\1 未读到"),
    (r": not stated$", "情况说明未列明"), (r": declared empty$", "表注明为空"), (r": could not evaluate .*$", "无法核对"),
    (r"^no vehicle count stated$", "情况说明未列明车辆数"),
    (r"^the narrative implies no prior-year 财政拨款 totals to compare$", "情况说明未给出可推算上年财政拨款总计的数字"),
)
PATTERNS = (
    (r"^(?P<w>\S+) should read (?P<r>\S+): (?P<c>.*)$", "“{w}”应为“{r}”：{c}"),
    (r"^placeholder '(?P<p>.+?)' left in: (?P<c>.*)$", "遗留模板占位符“{p}”：{c}"),
    (r"^(?P<l>.+) under (?P<p>\S+) is coded differently: (?P<w>.*)$", "“{l}”（{p} 下）在各表中编码不同：{w}"),
    (r"^department printed as (?P<a>.+), not (?P<b>.+?): (?P<c>.*)$", "部门名称印作“{a}”，应为“{b}”：{c}"),
    (r"^amount without (?P<u>\S+): (?P<c>.*)$", "金额缺少单位“{u}”：{c}"),
    (r"^percentage without %: (?P<c>.*)$", "百分比缺少“%”：{c}"),
    (r"^parenthesis never closed: (?P<c>.*)$", "括号未闭合：{c}"),
    (r"^(?P<t>[tb]\d\d) prints amounts but also says “(?P<q>.*)”$", "{t} 印有金额，却又注明“{q}”"),
    (r"^(?P<g>\S+) lists (?P<n>.+?) \((?P<c>\d+)\): t06 prints no amount for it$", "{g}列出“{n}”（{c}），但 t06 中该科目没有金额"),
    (r"^(?P<g>\S+) lists (?P<n>.+?) \((?P<c>\d+)\): t06 prints 0\.00 .*$", "{g}列出“{n}”（{c}），t06 中为 0.00（可能是不足 0.005 的金额）"),
    (r"^(?P<g>\S+) lists (?P<n>.+?) \((?P<c>\d+)\): t06 (?P<v>[-\d.,]+)$", "{g}列出“{n}”（{c}），t06 中为 {v}"),
    (r"^(?P<p>.+): 全年执行数 (?P<a>\S+) vs Σ 成本指标实际值 (?P<b>\S+)$", "{p}：全年执行数 {a}，成本指标实际值合计 {b}"),
    (r"^项 name printed as (?P<a>.+?), (?P<t>[tb]\d\d) (?P<c>\d+) is (?P<b>.+?): “(?P<q>.*)”$",
     "情况说明中的类款项名称为“{a}”，{t} 中 {c} 为“{b}”：“{q}”"),
    (r"^prior-year (?P<x>\S+) implied (?P<a>[-\d.]+) (?P<op>[<>≥≤=]+) prior (?P<y>\S+) (?P<b>[-\d.]+) \+ balance carried into this year "
     r"(?P<c>[-\d.]+) = (?P<s>[-\d.]+): “(?P<q>.*)”$",
     "由情况说明推算的上年{x} {a} {op} 上年{y} {b} + 结转至本年的结余 {c} = {s}：“{q}”"),
)
WARNINGS = (
    (r"^source is a text dump: .*$", "源文件为文本转存：位置以行号表示（每张表的“公开0N表”标签所在行）"),
    (r"^(?P<t>[tb]\d\d) is printed in (?P<u>\S+); its values are converted to the document's (?P<d>\S+) \(×(?P<f>\d+)\)$",
     "{t} 以{u}印制，数值已换算为文件单位{d}（×{f}）"),
    (r"^(?P<t>[tb]\d\d) \((?P<n>[^)]+)\) is printed without any amount and without a statement that it is empty$",
     "{t}（{n}）没有金额，也没有注明为空表"),
    (r"^(?P<t>[tb]\d\d) \((?P<n>[^)]+)\) p(?P<p>\d+): no column header recognised; the page's cells were not read$",
     "{t}（{n}）第{p}页：未识别出表头，该页单元格未读取"),
    (r"^(?P<t>[tb]\d\d) p(?P<p>\d+): printed code (?P<c>\d+) is '(?P<a>.+?)' in the classification, but the row is named '(?P<b>.+?)'$",
     "{t} 第{p}页：编码 {c} 在科目表中为“{a}”，表中行名为“{b}”"),
)


def _num(text: str | None) -> str:
    try:
        return amount(float(text)) if text is not None else ""
    except ValueError:
        return str(text)


def _what_zh(d: Disclosure, what: str) -> str:
    """The subject of an identity (t02 款 20103 appropriation = Σ项) with its keys in Chinese."""
    m = re.fullmatch(r"([tb]\d\d) (类|款|项|合计) (\S+) (\S+) = Σ(类|款|项)", what)
    if m:   # a hierarchy: t02 款 20103 appropriation = Σ项
        t, level, row, col, sub = m.groups()
        place = f"{t} 合计行" if level == "合计" else f"{t} {level} {row} {_row_names(d, t).get(row, '')}".rstrip()
        return f"{place}的“{column_name(d, t, col)}”列 = 所属各{sub}之和" if level != "合计" else f"{place}的“{column_name(d, t, col)}”列 = 各{sub}之和"
    text = what.replace("Σ expenditure classes", "Σ支出各类").replace("Σ income lines", "Σ收入各行")
    text = text.replace("(informational)", "（仅供参考）").replace(" against ", " 对照 ")
    out, table = [], None
    for tok in text.split(" "):
        bare = tok.strip("()")
        if re.fullmatch(r"[tb]\d\d", bare):
            table = bare
            out.append(tok)
        elif re.fullmatch(r"(inc|exp)\.[\w.]+", bare) and table:
            out.append(_row_names(d, table).get(bare, bare))
        elif bare in COLUMN_NAMES or bare in ("amount", "operating"):
            name = column_name(d, table, bare) if table else COLUMN_NAMES.get(bare, bare)
            out.append(f"（{name}）" if tok.startswith("(") else name)
        else:
            out.append(tok)
    return " ".join(out).replace(" （", "（")


def finding_zh(d: Disclosure, rule: str, status: str, message: str) -> str:
    """One finding's message in Chinese: identities and stated numbers are rebuilt from their
    parts; a few known message forms are translated; anything else is shown as it is."""
    m = IDENTITY.match(message)
    if m:
        what = _what_zh(d, m["what"])
        if not re.search(r"[A-Za-z]{3,}", re.sub(r"\b[tb]\d\d\b", "", what)):
            sign = m["sign"] if m["sign"] != "vs" else "对照"
            tail = f"（差额 {m['diff']}，容差 {m['tol']}）" if m["diff"] else ""
            return f"{what}：{_num(m['a'])} {sign} {_num(m['e'])}{tail}"
    m = STATED.match(message)
    if m:
        kind = {"change": "增减率", "完成率": "完成率"}.get(m["kind"], "占比")
        quote = f"：“{m['q']}”" if m["q"] else ""
        return f"{m['item']}：文中{kind} {m['s']}，按 {m['calc']} 重新计算为 {m['r']}{quote}"
    m = AMOUNT.match(message)
    if m:
        row = _row_names(d, m["t"]).get(m["row"], ROW_NAMES.get(m["row"], m["row"]))
        quote = f"：“{m['q']}”" if m["q"] else ""
        return f"{m['item']}：文中 {_num(m['s'])}，{m['t']} {row}（{column_name(d, m['t'], m['col'])}）为 {_num(m['v'])}{quote}"
    m = PARTS.match(message)
    if m:
        quote = f"：“{m['q']}”" if m["q"] else ""
        return f"{m['item'].replace(' total = ', ' 总额 = ')}：文中 {_num(m['s'])}，{m['n']} 个分项之和 {_num(m['v'])}{quote}"
    for pat, rep in PATTERNS:
        m = re.match(pat, message, re.S)
        if m:
            return rep.format(**m.groupdict())
    if status in ("insufficient_data", "not_applicable"):
        for pat, rep in INSUFFICIENT:
            m = re.search(pat, message)
            if m:
                return f"{rule_gloss(rule)}：{m.expand(rep)}"
    return message


def warning_zh(text: str) -> str:
    for pat, rep in WARNINGS:
        m = re.match(pat, text)
        if m:
            return rep.format(**m.groupdict())
    return text


# -- summary card --------------------------------------------------------------------------------
# The figures a report's card and the index page show, per kind of document: (name, cell).
FIGURES = {
    "final": (("收入支出总计", ("t01", "inc.grand_total", "amount")), ("本年支出合计", ("t03", "total", "total")),
              ("一般公共预算财政拨款支出", ("t05", "total", "total")), ("三公经费决算", ("t09", "actual", "total"))),
    "budget": (("收入预算", ("b01", "inc.total", "amount")), ("支出预算", ("b03", "total", "total")),
               ("一般公共预算支出预算", ("b05", "total", "total")), ("三公经费预算", ("b09", "budget", "total"))),
}


def key_figures(d: Disclosure, findings: pd.DataFrame) -> dict[str, Any]:
    """The figures the index page and the summary card show (amounts in the document's unit)."""
    counts = findings["status"].value_counts()
    states = [d.tables.get(t, {}).get("status", "missing") for t in d.spec.tables]
    accounted = sum(1 for s in states if s in ("present", "declared_empty"))
    return {**{name: d.value(*cell) for name, cell in FIGURES[d.kind]},
            "errors": int(counts.get("error", 0)), "rounding": int(counts.get("rounding", 0)),
            "tables_present": sum(1 for s in states if s != "missing"),
            "tables_read": sum(1 for s in states if s == "present"), "tables_expected": len(states),
            "completeness": round(100 * accounted / len(states), 1) if states else 0.0,
            "kind": d.kind, "unit": d.unit}


SECTIONS = (("problems", "核对结果"), ("draft", "情况说明"), ("charts", "图表"), ("tables", "报表"), ("performance", "绩效自评"),
            ("data", "数据文件"))
STYLE = """<style>
.fa-cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.fa-card{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:120px}
.fa-k{font-size:12px;color:#57606a}.fa-v{font-size:18px;font-variant-numeric:tabular-nums}.fa-bad .fa-v{color:#c4493f;font-weight:bold}
.fa-nav a{margin-right:14px}.fa-muted{color:#6e7781;font-size:90%}
.fa-scroll{overflow-x:auto;max-width:100%}table.fa-table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
table.fa-table th,table.fa-table td{border:1px solid #d0d7de!important;padding:3px 8px!important;text-align:left!important;vertical-align:top!important}
table.fa-table th{background:#f6f8fa;white-space:nowrap}
table.fa-table td.n{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap!important}
table.fa-table tr.fa-sum td{font-weight:bold}table.fa-table td.code{color:#57606a;font-variant-numeric:tabular-nums}
table.fa-table td.msg{max-width:760px}.fa-status-error{color:#c4493f;font-weight:bold}.fa-status-rounding{color:#9a6700}
details.fa{margin:6px 0}details.fa>summary{cursor:pointer;padding:3px 0}
</style>"""


def summary_card(d: Disclosure, findings: pd.DataFrame) -> HTML:
    k = key_figures(d, findings)
    cards = [(name, f"{amount(k[name])} {d.unit}" if isinstance(k[name], float) else "—", False) for name, _ in FIGURES[d.kind]]
    cards += [("核对错误", str(k["errors"]), k["errors"] > 0), ("尾数误差", str(k["rounding"]), False),
              ("读到的表", f"{k['tables_read']} / {k['tables_expected']}", k["tables_read"] < k["tables_expected"]
               and k["completeness"] < 100)]
    score = getattr(findings, "score", None)
    if score is not None and hasattr(score, "value"):
        cards.append(("公开完整性评分", f"{score.value:g} / 100", False))
    cells = "".join(f"<div class='fa-card{' fa-bad' if bad else ''}'><div class='fa-k'>{e(name)}</div><div class='fa-v'>{e(val)}</div></div>"
                    for name, val, bad in cards)
    src = d.source.replace("\\", "/").rsplit("/", 1)[-1]
    dump = "；本文件为文本转存，位置以行号表示" if line_word(d) == "行" else ""
    nav = "".join(f"<a href='#{key}'>{e(label)}</a>" for key, label in SECTIONS
                  if key != "performance" or d.performance or d.kind == "final")
    return HTML(f"{STYLE}<p class='fa-muted'>来源文件 {e(src)} · {e(d.spec.label)} · 金额单位：{e(d.unit)}{dump}</p>"
                f"<div class='fa-cards'>{cells}</div><p class='fa-nav'>{nav}</p>")


# -- tables as printed ------------------------------------------------------------------------------
def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(v)          # pages, lines, counts
    if isinstance(v, (float, np.floating)):
        return f"{v:,.2f}"     # amounts as printed
    return str(v)


def _html_table(frame: pd.DataFrame, numeric: Iterable[Any] = (), classes: list[str] | None = None, raw: Iterable[Any] = ()) -> str:
    """A DataFrame as a plain HTML table (see _markup)."""
    return _markup(list(frame.columns), frame.itertuples(index=False), numeric, classes, raw, grouped=isinstance(frame.columns, pd.MultiIndex))


def _markup(cols: list[Any], rows: Iterable[Iterable[Any]], numeric: Iterable[Any] = (), classes: list[str] | None = None,
            raw: Iterable[Any] = (), grouped: bool = False) -> str:
    """Rows under the headers `cols` as a plain HTML table: numbers right-aligned as printed (2
    decimals, thousands separators), blanks for missing values, a two-row header for (group,
    column) headers (`grouped`); cells of `raw` columns are HTML already."""
    numeric, raw = set(numeric), set(raw)
    if grouped:
        groups: list[list[Any]] = []
        for g, _ in cols:
            if groups and groups[-1][0] == g:
                groups[-1][1] += 1
            else:
                groups.append([g, 1])
        head = ("<tr>" + "".join(f"<th colspan='{n}'>{e(str(g))}</th>" for g, n in groups) + "</tr><tr>"
                + "".join(f"<th>{e(str(c[1]))}</th>" for c in cols) + "</tr>")
    else:
        head = "<tr>" + "".join(f"<th>{e(str(c))}</th>" for c in cols) + "</tr>"
    body = []
    for i, row in enumerate(rows):
        cls = f" class='{classes[i]}'" if classes and classes[i] else ""
        tds = "".join(f"<td class='n'>{e(_cell(v))}</td>" if c in numeric else
                      f"<td>{v}</td>" if c in raw else f"<td>{e(_cell(v))}</td>" for c, v in zip(cols, row))
        body.append(f"<tr{cls}>{tds}</tr>")
    # in a region of its own that scrolls sideways when wide, reachable from the keyboard
    return f"<div class='fa-scroll' tabindex='0'><table class='fa-table'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>"


# The order columns are printed in when a template does not say (its column list is a matching priority, not an order).
PRINT_ORDER = ("total", "grand_total", "amount", "carryover_begin", "income", "appropriation", "general_budget", "gov_fund", "state_capital",
               "superior_subsidy", "fiscal_special", "business", "business_education_fee", "operating", "affiliated", "other",
               "use_non_fiscal_balance", "carryover", "basic", "personnel", "public", "project", "project_capital", "to_superior",
               "to_affiliated", "reserve", "carryover_end", "overseas", "vehicle_total", "vehicle_purchase", "vehicle_operation",
               "reception", "meeting", "training", "operating_cost")


def _amount_columns(d: Disclosure, tid: str, table: pd.DataFrame) -> list[str]:
    """The table's amount columns that hold a value, 合计 first, then as printed."""
    spec = d.spec.tables.get(tid)
    printed_order = list(spec.print_orders[0]) if spec and spec.print_orders else []
    order = printed_order + [k for k in PRINT_ORDER if k not in printed_order]
    present = [c for c in table.columns if c not in ("row", "level", "parent", "name", "page")]
    holds = table[present].notna().any()
    first = ["grand_total", "total"]
    ranked = sorted(present, key=lambda c: (c not in first, first.index(c) if c in first else 0,
                                            order.index(c) if c in order else len(order)))
    for part, whole in (("business_education_fee", "business"), ("project_capital", "project")):   # 其中 after its whole
        if part in ranked and whole in ranked:
            ranked.remove(part)
            ranked.insert(ranked.index(whole) + 1, part)
    return [c for c in ranked if holds[c]]


def _row_label(row: str, name: Any) -> str:
    text = str(name).strip() if isinstance(name, str) and str(name).strip() else ""
    return text or ROW_NAMES.get(row, row)


def _reading_order(d: Disclosure, tid: str) -> pd.DataFrame:
    """d.table(tid), an economic table (printed in side-by-side blocks) in code order: each 类
    followed by its 款, the 人员经费/公用经费 footers last."""
    table = d.table(tid)
    spec = d.spec.tables.get(tid)
    if table.empty or spec is None or spec.kind != "economic":
        return table
    coded = table["row"].astype(str).str.fullmatch(r"\d+")
    return pd.concat([table[coded].sort_values("row", kind="stable"), table[~coded]]).reset_index(drop=True)


def printed(d: Disclosure, tid: str) -> pd.DataFrame:
    """A table as the document prints it, with Chinese headers: 科目编码 and 科目名称 (codes
    beside the printed names), then its amount columns; summary tables two-sided (收入 | 支出)."""
    table = _reading_order(d, tid)
    return pd.DataFrame() if table.empty else _frame(_columns(d, tid, table))


def two_sides(d: Disclosure, tid: str) -> pd.DataFrame:
    """A summary table (t01, t04, b01, b04) as printed: income rows on the left, expenditure
    rows on the right, each side with its own amount columns."""
    return _frame(_two_sides(d, tid, d.table(tid)))


# printed()'s columns by header, in order: a name, or (收入|支出, name) in a summary table. The
# report renders them to HTML as they are: a DataFrame built column by column cost it more than
# the HTML.
Columns = dict[Any, Any]


def _columns(d: Disclosure, tid: str, table: pd.DataFrame) -> Columns:
    """printed()'s columns from the table in reading order (not empty)."""
    if any(str(r).startswith(("inc.", "exp.")) for r in table["row"]):
        return _two_sides(d, tid, table)
    rows = table["row"].tolist()
    codes = [r if re.fullmatch(r"\d+", str(r)) else "" for r in rows]
    names = [_row_label(r, n) for r, n in zip(rows, table["name"])]
    out: Columns = {"科目编码": codes, "科目名称": names} if any(codes) else {"项目": names}
    for c in _amount_columns(d, tid, table):
        out[column_name(d, tid, c)] = table[c].to_numpy()
    return out


def _two_sides(d: Disclosure, tid: str, table: pd.DataFrame) -> Columns:
    """A summary table's columns: its income rows' (收入, …), then its expenditure rows' (支出, …)."""
    spent = table["row"].astype(str).str.startswith("exp.")
    out: Columns = {}
    for side, rows in (("收入", table[~spent]), ("支出", table[spent])):
        if rows.empty:
            continue
        keys = rows["row"].tolist()
        out[(side, "项目")] = [_row_label(r, n) for r, n in zip(keys, rows["name"])]
        codes = [r.split(".", 1)[1] if re.fullmatch(r"exp\.\d+", str(r)) else "" for r in keys]
        if any(codes):
            out[(side, "编码")] = codes
        for c in _amount_columns(d, tid, rows):
            out[(side, column_name(d, tid, c))] = rows[c].to_numpy()
    return out


def _frame(cols: Columns) -> pd.DataFrame:
    """printed()'s columns as a DataFrame: a summary table's sides side by side, the shorter
    one padded with blanks."""
    if not isinstance(next(iter(cols)), tuple):
        return pd.DataFrame(cols)
    sides = dict.fromkeys(side for side, _ in cols)
    out = pd.concat([pd.DataFrame({k: v for k, v in cols.items() if k[0] == side}) for side in sides], axis=1)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def table_html(d: Disclosure, tid: str) -> str:
    """printed() as HTML: levels indented, totals in bold, blanks where nothing is printed."""
    table = _reading_order(d, tid)
    if table.empty:
        return ""
    cols = _columns(d, tid, table)
    numeric = [h for h, v in cols.items() if pd.api.types.is_numeric_dtype(getattr(v, "dtype", object))]
    if isinstance(next(iter(cols)), tuple):
        return _markup(list(cols), zip_longest(*cols.values()), numeric, grouped=True)
    levels = table["level"].fillna("").tolist() if "level" in table else [""] * len(table)
    name_col = "科目名称" if "科目名称" in cols else "项目"
    pad = {"款": 1.2, "项": 2.4}
    cols[name_col] = [f"<span style='padding-left:{pad.get(lv, 0)}em'>{e(str(n))}</span>" for n, lv in zip(cols[name_col], levels)]
    classes = ["fa-sum" if str(r) in ("total", "grand_total") or lv == "类" else "" for r, lv in zip(table["row"], levels)]
    return _markup(list(cols), zip(*cols.values()), numeric, classes, raw=[name_col])


def show_table(d: Disclosure, tid: str) -> HTML:
    """One table as printed, for a notebook: Chinese headers, 2 decimals, summary tables two-sided."""
    return HTML(STYLE + (table_html(d, tid) or f"<p>{e(d.tables.get(tid, {}).get('statement') or '无数据')}</p>"))


def show_frame(frame: pd.DataFrame) -> HTML:
    """Any frame as the report shows tables: numbers right-aligned with 2 decimals, blanks for missing values."""
    return HTML(STYLE + _html_table(frame, [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]))


def tables_title(d: Disclosure) -> str:
    n = len(d.spec.tables)
    word = "预算表" if d.kind == "budget" else "决算表"
    return f"九张{word}" if n == 9 else f"{word}（{n} 张）"


def nine_tables(d: Disclosure) -> None:
    """Each table of the document's template as printed, collapsible, with its pages and status."""
    parts = [f"<h2 id='tables'>{e(tables_title(d))}</h2><p class='fa-muted'>金额单位：{e(d.unit)}。点击表名展开。</p>"]
    for t in d.spec.tables:
        st = d.tables.get(t, {})
        status = st.get("status", "missing")
        body = table_html(d, t)
        if not body:
            body = f"<p>{e(st.get('statement') or TABLE_STATUS_ZH.get(status, status))}</p>"
        printed_unit = f" · 原表以{st['unit']}印制，已换算" if st.get("unit") and st.get("unit") != d.unit else ""
        pos = where(d, st.get("pages", []))
        parts.append(f"<details class='fa'><summary><b>{e(t)} {e(d.spec.name_of(t))}</b> <span class='fa-muted'>"
                     f"{e(TABLE_STATUS_ZH.get(status, status))}{' · ' + e(pos) if pos else ''}{e(printed_unit)}</span></summary>{body}</details>")
    display(HTML("".join(parts)))


# -- what is wrong ---------------------------------------------------------------------------------------
def findings_frame(d: Disclosure, findings: pd.DataFrame, statuses: Iterable[str]) -> pd.DataFrame:
    """Findings of the given statuses, in Chinese: 状态, 核对内容, 表, 位置 (页 or 行), 说明."""
    f = findings[findings["status"].isin(list(statuses))]
    return pd.DataFrame({
        "状态": [STATUS_ZH.get(s, s) for s in f["status"]],
        "核对内容": [rule_short(r) for r in f["rule"]],
        "表": ["、".join(t for t in ts if re.fullmatch(r"[tb]\d\d", t)) for ts in f["tables"]],
        ("行号" if line_word(d) == "行" else "页码"): [where(d, p).removeprefix("第").rstrip("页行") for p in f["pages"]],
        "说明": [finding_zh(d, r, s, m) for r, s, m in zip(f["rule"], f["status"], f["message"])],
        "规则": list(f["rule"])})


def _findings_html(d: Disclosure, findings: pd.DataFrame, statuses: Iterable[str], limit: int = 200) -> str:
    frame = findings_frame(d, findings, statuses)
    more = f"<p class='fa-muted'>另有 {len(frame) - limit} 条未列出，见 findings.json。</p>" if len(frame) > limit else ""
    frame = frame.head(limit)
    return _html_table(frame) + more


def problems(d: Disclosure, findings: pd.DataFrame) -> None:
    """What is wrong, worst first: errors with their pages (or lines), then rounding, then what
    could not be checked, then the extraction warnings; every message in Chinese where known."""
    counts = findings["status"].value_counts()
    n = {s: int(counts.get(s, 0)) for s in STATUS_ZH}
    total = " · ".join(f"{STATUS_ZH[s]} {n[s]}" for s in STATUS_ZH if n[s])
    parts = [f"<h2 id='problems'>核对结果</h2><p>共核对 {len(findings)} 项（表内与表间等式、完整性、情况说明中的每个数字）：{e(total)}。</p>"]
    if n["error"]:
        parts.append(f"<h3>错误（{n['error']}）</h3>" + _findings_html(d, findings, ["error"]))
    else:
        parts.append("<h3>错误（0）</h3><p>未发现错误。</p>")
    if n["rounding"]:
        parts.append(f"<h3>尾数误差（{n['rounding']}）</h3><p class='fa-muted'>表中金额四舍五入到两位小数，几个数相加可差几分："
                     "差额在容差（每个单元格 0.005）之内的记为尾数误差，不是错误。</p>"
                     f"<details class='fa'><summary>展开 {n['rounding']} 条尾数误差</summary>{_findings_html(d, findings, ['rounding'])}</details>")
    if n["insufficient_data"]:
        parts.append(f"<details class='fa'><summary>数据不足、无法核对的规则（{n['insufficient_data']}）</summary>"
                     f"{_findings_html(d, findings, ['insufficient_data'])}</details>")
    if d.warnings:
        items = "".join(f"<li>{e(warning_zh(w))}</li>" for w in d.warnings[:200])
        parts.append(f"<details class='fa'><summary>提取警告（{len(d.warnings)}）</summary><ul>{items}</ul></details>")
    display(HTML("".join(parts)))


def findings_summary(findings: Findings) -> HTML:
    return HTML(findings._repr_html_())


def compare_table(d: Disclosure, findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each number the 情况说明 states beside the recomputed one, with the item it is about."""
    f = reconcile.check(d) if findings is None else findings
    f = f[f["rule"].str.startswith("narrative.") & f["actual"].notna()]
    item = f["message"].str.extract(r"([\u3000-\u303f\u4e00-\u9fff\uff00-\uffef][^\s:]*)", expand=False).fillna("")
    out = pd.DataFrame({
        where_header(d): f["pages"].map(lambda p: int(p[0]) if p else 0), "事项": item,
        "核对": f["rule"].map(rule_short),
        "文中数字": f["actual"], "重新计算": f["expected"], "差额": f["diff"], "结果": f["status"].map(STATUS_ZH),
        "原句": f["message"].str.extract(r"“(.*)”", expand=False).fillna("")})
    return out.sort_values(where_header(d), kind="stable").reset_index(drop=True)


def where_header(d: Disclosure) -> str:
    return "行号" if line_word(d) == "行" else "页码"


# -- draft, charts, performance, data ------------------------------------------------------------------
def draft(d: Disclosure, prior: Disclosure | None, budget: Disclosure | dict[str, float]) -> None:
    """The drafted 情况说明 (增减原因 and 完成率 in it), its title as the section heading."""
    text = explain(d, prior=prior, budget=budget or None)
    lines = text.splitlines()
    title = lines[0].lstrip("# ").strip() if lines and lines[0].startswith("# ") else "情况说明（草稿）"
    rest = "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines)
    rest = re.sub(r"^(#{2,5}) ", lambda m: "#" + m[1] + " ", rest, flags=re.M)
    rest = re.sub(r"\n(?=\d+、)", "  \n", rest)   # numbered lines (1、2、…) stay on their own lines
    display(HTML(f"<h2 id='draft'>{e(title)}</h2>"))
    display(safe_markdown(rest))


def all_charts(d: Disclosure, prior: Disclosure | None, findings: Findings, budget: Disclosure | dict[str, float] | None = None) -> None:
    areas = {"budget": "部门预算", "prior": "上年文件"}   # the findings chart names the other documents a check read in Chinese
    shown = findings.assign(tables=findings["tables"].map(lambda ts: [areas.get(t, t) for t in ts]))
    made = charts.all_charts(d, prior, shown, budget)
    if d.kind == "budget":
        made.pop("sangong", None)   # drawn from a final's t09 (预算 beside 决算); a budget's b09 is in its table
    display(HTML("<h2 id='charts'>图表</h2>" + ("" if made else "<p>没有可绘制的数据。</p>")))
    for chart in made.values():
        data, metadata = alt.renderers.get()(chart.to_dict(validate=False))   # charts.py's specs are validated by its tests
        display(data, metadata=metadata, raw=True)


FUNDS = {"budget_initial": "年初预算数", "budget_full": "全年预算数", "executed": "全年执行数", "execution_rate": "执行率（%）"}
INDICATORS = {"project": "项目名称", "level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "年度指标值",
              "actual": "实际完成值", "deviation_note": "偏差原因"}


def performance(d: Disclosure) -> None:
    """项目支出绩效自评表: funds and indicators with Chinese headers; a budget without any shows nothing."""
    if not d.performance:
        if d.kind == "final":
            display(HTML("<h2 id='performance'>绩效自评</h2><p>文件未附项目支出绩效自评表。</p>"))
        return
    funds = pd.DataFrame([{"项目名称": p["project"], "实施单位": p.get("unit", ""),
                           **{zh: p.get("funds", {}).get(k) for k, zh in FUNDS.items()},
                           where_header(d): p.get("page")} for p in d.performance])
    ind = d.indicators()
    ind = ind[[c for c in INDICATORS if c in ind.columns]].rename(columns=INDICATORS).fillna("")
    display(HTML(f"<h2 id='performance'>绩效自评</h2><p class='fa-muted'>{len(d.performance)} 张项目支出绩效自评表；金额单位：{e(d.unit)}。</p>"
                 + _html_table(funds, numeric=list(FUNDS.values()))
                 + f"<details class='fa'><summary>绩效指标（{len(ind)}）</summary>{_html_table(ind)}</details>"))


def expect(d: Disclosure, department: str, year: int) -> None:
    """Parameters may name the department and year the caller expects; say so if the document differs."""
    if department and department != d.department:
        display(safe_markdown(f"**注意**：参数给出的部门与文件不符（文件：{d.department}）。"))
    if year and year != d.year:
        display(safe_markdown(f"**注意**：参数给出的年度 {int(year)} 与文件（{d.year}）不符。"))


DATA_FILES = (("disclosure.json", "全部表格数据（JSON，finacct.disclosure/1）"), ("disclosure.xlsx", "全部表格数据（Excel，可修改后重新读取）"),
              ("findings.json", "全部核对结果，含通过的规则（JSON）"), ("claims.json", "情况说明中的每个数字（JSON）"))


def save_data(d: Disclosure, findings: Findings, output_dir: str) -> None:
    """The report's data beside it (contract JSON, canonical xlsx, findings and claims JSON),
    linked from the report's last section; and manifest.json, what the builder learns of the
    document from this one reading of it (department, year, key figures, kind among them)."""
    import json
    from pathlib import Path

    from finacct.extract import xlsx
    from finacct.reconcile import SCHEMA
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "disclosure.json").write_text(d.to_json(indent=1), encoding="utf-8")
    (out / "findings.json").write_text(json.dumps({"schema": SCHEMA, "source": d.source, "score": findings.score.to_contract(),
                                                   "findings": findings.to_records()}, ensure_ascii=False), encoding="utf-8")
    from finacct.narrative import claims
    (out / "claims.json").write_text(claims.frame(d.claims).to_json(orient="records", force_ascii=False),
                                     encoding="utf-8")
    xlsx.write(d, out / "disclosure.xlsx")
    (out / "manifest.json").write_text(json.dumps({"department": d.department, "year": d.year, "figures": key_figures(d, findings)},
                                                  ensure_ascii=False), encoding="utf-8")
    items = "".join(f"<li><a href='{name}'>{name}</a> — {e(what)}（{_size(out / name)}）</li>"
                    for name, what in DATA_FILES if (out / name).exists())
    display(HTML(f"<h2 id='data'>数据文件</h2><p>与本报告放在同一文件夹：</p><ul>{items}</ul>"))


def _size(path: Any) -> str:
    n = path.stat().st_size
    return f"{n / 1024:,.0f} KB" if n >= 1024 else f"{n} 字节"
