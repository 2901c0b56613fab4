"""Which t05 项 a 五(三) item of the narrative speaks of (类（类）款（款）项（项） as printed),
shared by the checks (are the names right?) and the draft (its 年初预算 per code)."""
from __future__ import annotations

import pandas as pd

from finacct.classify import flat
from finacct.narrative.claims import Claim


def fits(stated: str, label: str) -> bool:
    """A name as the narrative prints it fits the table's when one starts the other
    (一般公共服务 for 一般公共服务支出)."""
    a, b = flat(stated), flat(label)
    return bool(a) and (a == b or a.startswith(b) or b.startswith(a))


def t05_lines(facts: pd.DataFrame, table: str = "t05") -> tuple[dict[str, str], dict[str, float]]:
    """Labels of t05's classified rows and the 合计 of each; table names another table laid out
    like it (a budget's b05)."""
    f = facts[(facts["table"] == table) & facts["row"].str.isdigit()]
    labels = dict(zip(f["row"], f["label"]))
    total = f[f["col"] == "total"]
    return labels, dict(zip(total["row"], total["value"].astype(float)))


def resolve_item(claim: Claim, labels: dict[str, str], totals: dict[str, float]) -> tuple[str | None, list[str]]:
    """The t05 项 code, and which of 类/款/项 the narrative names differently from the table.
    The 项 name decides; failing that, the amount (a wrong 项 name with the right amount)."""
    assert claim.path is not None
    rows = [r for r in labels if len(r) == 7]

    def misfits(r: str) -> list[str]:
        names = (labels.get(r[:3], ""), labels.get(r[:5], ""), labels[r])
        return [lvl for lvl, stated, lab in zip("类款项", claim.path, names) if not fits(stated, lab)]

    missed = {r: misfits(r) for r in rows}
    ranked = sorted(rows, key=lambda r: (len(missed[r]), "项" in missed[r], totals.get(r) != claim.amount))
    if not ranked:
        return None, []
    best = ranked[0]
    if "项" in missed[best] and totals.get(best) != claim.amount:
        return None, []
    return best, missed[best]
