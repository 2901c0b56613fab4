"""The rule list as Markdown, generated from rules.py (docs/rules.md is this output)."""
from __future__ import annotations

from finacct.reconcile.rules import RULES


def rules_markdown() -> str:
    lines = ["# Rules checked by `finacct check`", "",
             "Generated from `finacct/reconcile/rules.py` by `finacct rules`; do not edit by hand.", "",
             "A rule runs on documents of the templates it names (`finacct/tables/templates`) whose",
             "template has every table it reads.", "",
             "| rule | templates | tables | evaluator | what must hold |", "|---|---|---|---|---|"]
    lines += [f"| `{r.id}` | {', '.join(r.templates)} | {', '.join(r.tables) or '—'} | {r.check} | {r.says} |" for r in RULES]
    return "\n".join(lines) + "\n"
