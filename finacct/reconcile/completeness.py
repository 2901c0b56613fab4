"""Completeness and wording: the nine tables and the narrative's required parts are there,
no template placeholder is left in, and years and the department's name are printed right."""
from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from finacct.reconcile.context import Context, guarded
from finacct.reconcile.findings import Finding

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule


def _no_text(ctx: Context, rule: "Rule") -> list[Finding] | None:
    if not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", list(rule.tables),
                        f"{rule.says}: the document text is not available (source read from JSON/xlsx)")]
    if not ctx.narrative and rule.params.get("narrative", True):
        return [Finding(rule.id, "error", list(rule.tables), f"{rule.says}: no 情况说明 (第三部分) found")]
    return None


needs_text = guarded(_no_text)


def tables_present(ctx: Context, rule: "Rule") -> list[Finding]:
    out = []
    template = ctx.d.spec
    for t in template.tables:
        st = ctx.status(t)
        out.append(Finding(rule.id, "error" if st == "missing" else "ok", [t],
                           f"{t} {template.name_of(t)}: {st}", pages=ctx.pages(t)))
    return out


def empty_notes(ctx: Context, rule: "Rule") -> list[Finding]:
    """A table printed with amounts whose note says it is empty (本表为空表 left in from the template)."""
    out = []
    for t, entry in ctx.d.tables.items():
        if entry.get("status") == "present" and entry.get("statement"):
            out.append(Finding(rule.id, "error", [t], f"{t} prints amounts but also says “{entry['statement']}”", pages=ctx.pages(t)))
    return out or [Finding(rule.id, "ok", ["completeness"], "no table with amounts says it is empty")]


@needs_text
def narrative_parts(ctx: Context, rule: "Rule") -> list[Finding]:
    body = "".join(t for _, t in ctx.narrative)
    whole = ctx.d.joined_text[0]
    out = []
    for part, pattern in rule.params["parts"]:
        hay = whole if part == "名词解释" else body
        m = re.search(pattern, hay)
        out.append(Finding(rule.id, "ok" if m else "error", ["completeness"],
                           f"情况说明 part {part}: {'present' if m else 'missing'}", row=part))
    return out


def _narrative_hits(ctx: Context, pattern: str) -> list[tuple[int, str, re.Match]]:
    """Matches in the narrative read as sentences, so a line break cannot split a match."""
    return [(s.page, s.text, m) for s in ctx.d.sentences for m in re.finditer(pattern, s.text)]


@needs_text
def placeholders(ctx: Context, rule: "Rule") -> list[Finding]:
    """Template text left in — XX amounts, 某某, alternatives such as 增加（减少） or 下降（增长） —
    in the 情况说明 (read as sentences) and in every other line: titles, headings, table headers."""
    narrative = set(ctx.narrative)
    hits = _narrative_hits(ctx, rule.params["pattern"]) + [
        (p, t, m) for p, t in ctx.d.lines if (p, t) not in narrative for m in re.finditer(rule.params["pattern"], t)]
    out = [Finding(rule.id, "error", ["narrative"], f"placeholder {m.group(0)!r} left in: …{t[max(0, m.start() - 12):m.end() + 8]}…",
                   pages=[p]) for p, t, m in hits]
    return out or [Finding(rule.id, "ok", ["narrative"], "no template placeholder left in the document")]


@needs_text
def number_format(ctx: Context, rule: "Rule") -> list[Finding]:
    """Amounts without their unit (0.39万), percentages without % (增长13.95。)."""
    out = []
    for what, pattern in rule.params["patterns"]:
        out += [Finding(rule.id, "error", ["narrative"], f"{what}: …{t[max(0, m.start() - 12):m.end() + 6]}…", pages=[p])
                for p, t, m in _narrative_hits(ctx, pattern)]
    return out or [Finding(rule.id, "ok", ["narrative"], "amounts carry 万元 and percentages carry %")]


@needs_text
def brackets(ctx: Context, rule: "Rule") -> list[Finding]:
    """A parenthesis opened and never closed within a paragraph of the 情况说明."""
    out, depth, start = [], 0, None
    for s in ctx.d.sentences:
        for ch in s.text:
            depth += {"（": 1, "(": 1, "）": -1, ")": -1}.get(ch, 0)
        if depth > 0 and start is None:
            start = s
        if depth <= 0:
            depth, start = 0, None
        elif start is not None and s.section != start.section:
            out.append(Finding(rule.id, "error", ["narrative"], f"parenthesis never closed: {start.text[:60]}…",
                               pages=[start.page]))
            depth, start = 0, None
    return out or [Finding(rule.id, "ok", ["narrative"], "parentheses balanced in the 情况说明")]


def years(ctx: Context, rule: "Rule") -> list[Finding]:
    """Table titles and the figures the narrative reports carry the document's year; it compares with the year before."""
    year = ctx.d.year
    if not year or not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", ["completeness"], "year or document text unknown")]
    out = []
    for p, t in ctx.titles:
        if (m := re.search(r"(20\d\d)年度?", t)) and int(m.group(1)) != year:
            out.append(Finding(rule.id, "error", ["completeness"], f"table title dated {m.group(1)}, document is {year}: {t}", pages=[p]))
    for p, t, m in _narrative_hits(ctx, r"截至(20\d\d)年(?:12月31日|底|末)"):
        if int(m.group(1)) != year:
            out.append(Finding(rule.id, "error", ["narrative"], f"a {year} report states a position at the end of {m.group(1)}: "
                               f"…{t[max(0, m.start() - 6):m.end() + 10]}…", pages=[p]))
    for p, t, m in _narrative_hits(ctx, r"(?:与|比|较)(20\d\d)年度?(?:相比)?"):
        if int(m.group(1)) != year - 1:
            near = t[max(0, m.start() - 10):m.end() + 10]
            out.append(Finding(rule.id, "error", ["narrative"], f"compared with {m.group(1)}, expected {year - 1}: …{near}…", pages=[p]))
    # the year a figure is reported for (not a year merely mentioned, such as an old balance, nor last
    # year's figure beside this year's)
    for p, t, m in _narrative_hits(ctx, r"(20\d\d)年度(?=部门决算|收入支出|收、支|财政拨款|“三公”|三公|机关运行经费|政府采购)"):
        if int(m.group(1)) != year and not (int(m.group(1)) == year - 1 and f"{year}年" in t):
            out.append(Finding(rule.id, "error", ["narrative"], f"year {m.group(1)} in a {year} report: …{t[max(0, m.start() - 10):m.end() + 10]}…", pages=[p]))
    return out or [Finding(rule.id, "ok", ["completeness"], f"titles and narrative agree on {year} (prior year {year - 1})")]


def department_name(ctx: Context, rule: "Rule") -> list[Finding]:
    """A near-miss of the department's name in a table title or the narrative (上海市规划…局
    for 上海市普陀区规划…局, 规划与 for 规划和). A leading region dropped (普陀区财政局) is fine."""
    name = ctx.d.department
    if not name or not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", ["completeness"], "department or document text unknown")]
    lines = ctx.titles + ctx.narrative
    out = []
    for p, t in lines:
        exact = {m.end() for m in re.finditer(re.escape(name), t)}
        for m in re.finditer(re.escape(name[-1]), t):
            end = m.end()
            if end in exact:
                continue
            best = max(((difflib.SequenceMatcher(None, t[s:end], name).ratio(), t[s:end])
                        for s in range(max(0, end - len(name) - 3), end - 3)), default=(0, ""))
            if best[0] >= 0.8 and not name.endswith(best[1]):
                out.append(Finding(rule.id, "error", ["completeness"], f"department printed as {best[1]}, not {name}: {t[:60]}", pages=[p]))
    return out or [Finding(rule.id, "ok", ["completeness"], f"department printed as {name} throughout titles and 情况说明")]


def typos(ctx: Context, rule: "Rule") -> list[Finding]:
    """Known misprints anywhere in the document (上一度 for 上一年度, 士地 for 土地)."""
    if not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", ["completeness"], "the document text is not available")]
    out = []
    for p, t in ctx.d.lines:
        out += [Finding(rule.id, "error", ["completeness"], f"{wrong} should read {right}: …{t[max(0, i - 10):i + len(wrong) + 10]}…", pages=[p])
                for wrong, right in rule.params["pairs"] if (i := t.find(wrong)) >= 0]
    return out or [Finding(rule.id, "ok", ["completeness"], "no known misprint")]
