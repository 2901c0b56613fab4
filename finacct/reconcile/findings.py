"""Findings: one row per identity evaluated, as a DataFrame that also reads well in
JupyterLab (counts by status, errors first, with pages) and can list the cells behind one."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

STATUSES = ("error", "rounding", "insufficient_data", "not_applicable", "ok")
SCHEMA = "finacct.findings/1"


@dataclass
class Finding:
    rule: str
    status: str
    tables: list[str]
    message: str
    row: str | None = None
    col: str | None = None
    expected: float | None = None
    actual: float | None = None
    diff: float | None = None
    tolerance: float | None = None
    pages: list[int] = field(default_factory=list)
    cells: list[tuple[str, str, str]] = field(default_factory=list)   # (table, row, col) behind it
    note: str = ""      # worth a look although it holds (e.g. a target missed but explained)


COLUMNS = list(Finding.__dataclass_fields__)


class Findings(pd.DataFrame):
    """The findings of one disclosure, errors first."""

    _metadata = ["facts", "score"]

    @property
    def _constructor(self) -> type:
        return Findings

    @classmethod
    def build(cls, items: list[Finding], facts: pd.DataFrame) -> "Findings":
        """Errors first (a stable sort keeps each rule's order). Fields are taken as they are:
        asdict deep-copied every cells and pages list, a third of a whole check's time."""
        order = {s: i for i, s in enumerate(STATUSES)}
        ranked = sorted(items, key=lambda f: order.get(f.status, 9))
        out = cls(pd.DataFrame([[getattr(f, c) for c in COLUMNS] for f in ranked], columns=COLUMNS))
        out.facts = facts
        return out

    def counts(self) -> pd.Series:
        return self["status"].value_counts().reindex(list(STATUSES), fill_value=0)

    def cells(self, i: int) -> pd.DataFrame:
        """The printed cells (facts, with page and label) behind finding i."""
        keys = {tuple(c) for c in self["cells"].iat[i]}
        f = self.facts
        return f[[k in keys for k in zip(f["table"], f["row"], f["col"])]]

    def to_records(self) -> list[dict[str, Any]]:
        out = []
        for r in pd.DataFrame(self).to_dict("records"):
            r["cells"] = [list(c) for c in r["cells"]]
            out.append({k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in r.items()})
        return out

    def _repr_html_(self) -> str:
        if not {"status", "rule", "pages", "message"} <= set(self.columns):   # a selection of columns: a plain table
            return pd.DataFrame(self)._repr_html_()
        e = html.escape
        counts = " · ".join(f"{s} {n}" for s, n in self.counts().items() if n)
        shown = self[self["status"].isin(["error", "rounding", "insufficient_data"])].head(60)
        rows = "".join(
            f"<tr><td>{i}</td><td>{e(r.status)}</td><td>{e(r.rule)}</td><td>{e(', '.join(map(str, r.pages)))}</td>"
            f"<td>{e(r.message)}</td></tr>" for i, r in shown.iterrows())
        return (f"<div><b>{len(self)} checks</b>: {e(counts)}<table><tr><th>#</th><th>status</th><th>rule</th>"
                f"<th>pages</th><th>message</th></tr>{rows}</table>"
                f"<p><code>findings.cells(#)</code> lists the cells behind one finding.</p></div>")
