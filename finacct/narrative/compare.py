"""The department's own 情况说明 beside the recomputation: each stated number next to the
value finacct derives from the tables or the sentence's own arithmetic. It reuses the
findings of the checks (which read the claims once), so nothing is parsed twice."""
from __future__ import annotations

import pandas as pd

from finacct.model import Disclosure


def compare(d: Disclosure, findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per number the narrative states: page, rule, stated, recomputed, status, sentence."""
    from finacct import reconcile  # the checks stand above the narrative they read
    f = reconcile.check(d) if findings is None else findings
    f = f[f["rule"].str.startswith("narrative.") & f["actual"].notna()]
    out = pd.DataFrame({
        "page": f["pages"].map(lambda p: p[0] if p else None),
        "rule": f["rule"], "stated": f["actual"], "recomputed": f["expected"],
        "diff": f["diff"], "status": f["status"],
        "sentence": f["message"].str.extract(r"“(.*)”", expand=False).fillna(f["message"])})
    return out.sort_values(["page", "rule"], kind="stable").reset_index(drop=True)
