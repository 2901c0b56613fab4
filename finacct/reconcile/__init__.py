"""check(disclosure) -> Findings: evaluate every rule of rules.py, passing ones included."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from finacct.model import Disclosure
from finacct.reconcile import across, completeness, identities, narrative, performance
from finacct.reconcile import score as transparency
from finacct.reconcile.context import Context
from finacct.reconcile.findings import SCHEMA, Finding, Findings
from finacct.reconcile.rules import RULES, Rule

Evaluator = Callable[[Context, Rule], list[Finding]]
EVALUATORS: dict[str, Evaluator] = {
    **{n: getattr(identities, n) for n in ("equation", "hierarchy", "columns", "match_rows", "code_names", "same_codes",
                                           "template_hierarchy", "template_sums")},
    **{n: getattr(completeness, n) for n in ("tables_present", "empty_notes", "narrative_parts", "placeholders", "number_format",
                                             "brackets", "years", "department_name", "typos")},
    **{n: getattr(performance, n) for n in ("execution_rate", "sources", "cost_indicators", "targets")},
    **{n: getattr(across, n) for n in ("stated_budget", "sangong_budget", "carried_balance", "stated_prior")},
    **{n: getattr(narrative, n) for n in ("amounts", "item_lines", "change_pct", "shares", "share_sums", "completion_rates", "wording",
                                          "differences", "change_sums", "prior_year", "procurement_awards", "budget_items", "procurement",
                                          "listed_items", "vehicles")},
}
TABLE_CHECKS = {"equation", "hierarchy", "columns", "match_rows", "code_names", "same_codes"}  # gated on their tables

__all__ = ["check", "Findings", "Finding", "RULES", "SCHEMA"]


def _gate(ctx: Context, rule: Rule) -> Finding | None:
    """A table rule on a missing table has insufficient data; on declared-empty tables it does not apply."""
    states = {t: ctx.status(t) for t in rule.tables}
    missing = [t for t, s in states.items() if s == "missing"]
    if missing:
        return Finding(rule.id, "insufficient_data", list(rule.tables), f"{rule.says}: {', '.join(missing)} missing or unreadable")
    if all(s == "declared_empty" for s in states.values()):
        return Finding(rule.id, "not_applicable", list(rule.tables), f"{rule.says}: declared empty",
                       pages=sorted({p for t in rule.tables for p in ctx.pages(t)}))
    return None


def check(d: Disclosure, budget: Disclosure | str | Path | None = None, prior: Disclosure | str | Path | None = None) -> Findings:
    """Every rule for the document's template; with the department's budget of the same year,
    the final's own 年初预算 and 三公 预算数 are checked against it, and with last year's
    disclosure, the balances carried over and the prior-year figures the narrative states
    (either given as a Disclosure or as a file to load)."""
    if isinstance(budget, (str, Path)) or isinstance(prior, (str, Path)):
        from finacct.load import load  # only then: reading a PDF needs the extraction stack
        budget, prior = (load(x) if isinstance(x, (str, Path)) else x for x in (budget, prior))
    for name, x in (("budget", budget), ("prior", prior)):
        if x is not None and not isinstance(x, Disclosure):
            raise TypeError(f"check(): {name} must be a Disclosure or the path of one, not {type(x).__name__}")
    ctx = Context(d, budget, prior)
    out: list[Finding] = []
    own = d.spec.tables
    for rule in (r for r in RULES if d.template in r.templates and all(t in own for t in r.tables)):
        gated = _gate(ctx, rule) if rule.check in TABLE_CHECKS else None
        if gated:
            out.append(gated)
            continue
        try:
            out += EVALUATORS[rule.check](ctx, rule)
        except Exception as exc:  # one broken rule must not hide the others
            out.append(Finding(rule.id, "insufficient_data", list(rule.tables), f"{rule.says}: could not evaluate ({exc})"))
    findings = Findings.build(out, d.facts)
    findings.score = transparency.score(d, findings)
    return findings
