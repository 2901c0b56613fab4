"""explore(corpus_or_disclosure): an ipywidgets explorer for JupyterLab 4 (ipywidgets 8).
Pick department, year and table, drill down 类 → 款 → 项, and see the row's values, the
findings that touch it and a chart of what it is made of."""
from __future__ import annotations

import html

import altair as alt
import ipywidgets as w
import pandas as pd
from IPython.display import display

from finacct import classify, reconcile
from finacct.charts import offline_renderer
from finacct.corpus import Corpus
from finacct.departments import same_department
from finacct.model import Disclosure
from finacct.tables.specs import SPECS, TABLE_IDS

offline_renderer()   # the explorer's chart draws in JupyterLab without a CDN, in the finacct theme

ALL = "（全部）"
LEVEL_NAMES = ("类", "款", "项")


class Explorer(w.VBox):
    def __init__(self, source: Corpus | Disclosure) -> None:
        self.corpus = source if isinstance(source, Corpus) else Corpus([source])
        if not self.corpus.disclosures:
            raise ValueError("nothing to explore: the corpus is empty")
        self.department = w.Dropdown(description="部门", options=self.corpus.departments() or [""])
        self.year = w.Dropdown(description="年度")
        self.table = w.Dropdown(description="表")
        self.levels = [w.Dropdown(description=name, options=[(ALL, ALL)]) for name in LEVEL_NAMES]
        self._checks: dict[int, pd.DataFrame] = {}
        self.values = w.HTML()
        self.findings = w.HTML()
        self.chart = w.Output()
        self.department.observe(self._on_department, "value")
        self.year.observe(self._on_year, "value")
        self.table.observe(self._on_table, "value")
        for i, dd in enumerate(self.levels):
            dd.observe(lambda change, i=i: self._on_level(i), "value")
        super().__init__([w.HBox([self.department, self.year, self.table]), w.HBox(self.levels),
                          self.values, self.findings, self.chart])
        self._on_department()

    # -- state ------------------------------------------------------------------------
    @property
    def disclosure(self) -> Disclosure | None:
        return next((d for d in self.corpus.disclosures
                     if d.year == self.year.value and same_department(d.department, self.department.value)), None)

    @property
    def selected_row(self) -> str | None:
        """The deepest code picked (None: the whole table)."""
        return next((dd.value for dd in reversed(self.levels) if dd.value not in (ALL, None)), None)

    def _frame(self) -> pd.DataFrame:
        d = self.disclosure
        return d.table(self.table.value) if d is not None and self.table.value else pd.DataFrame()

    # -- events -----------------------------------------------------------------------
    def _on_department(self, *_: object) -> None:
        self.year.options = self.corpus.years(self.department.value) or [d.year for d in self.corpus.disclosures]
        _set(self.year, self.year.options[-1] if self.year.options else None, self._on_year)

    def _on_year(self, *_: object) -> None:
        d = self.disclosure
        present = [t for t in TABLE_IDS if d is not None and d.tables.get(t, {}).get("status") == "present"]
        self.table.options = [(f"{t} {SPECS[t].name}", t) for t in present]
        _set(self.table, present[0] if present else None, self._on_table)

    def _on_table(self, *_: object) -> None:
        t = self._frame()
        codes = t["row"][t["row"].str.isdigit()].tolist() if "row" in t else []
        self.levels[0].options = [(ALL, ALL)] + [(f"{c} {n}", c) for c, n in zip(t.get("row", []), t.get("name", [])) if c in codes and len(c) == 3]
        _set(self.levels[0], ALL, lambda: self._on_level(0))

    def _on_level(self, i: int) -> None:
        t = self._frame()
        chosen = self.levels[i].value
        for j in range(i + 1, len(self.levels)):
            parent = self.levels[j - 1].value
            kids = [] if parent in (ALL, None) or t.empty else [
                (f"{c} {n}", c) for c, n in zip(t["row"], t["name"]) if classify.parent(c) == parent]
            self.levels[j].options = [(ALL, ALL)] + kids
            self.levels[j].value = ALL   # observers of deeper levels only redraw
        self._show(chosen)

    # -- views --------------------------------------------------------------------------
    def row_findings(self) -> pd.DataFrame:
        """Findings of the current document that touch the selected row (or the table)."""
        d = self.disclosure
        if d is None:
            return pd.DataFrame()
        f = self._checks.get(id(d))
        if f is None:
            f = self._checks[id(d)] = reconcile.check(d)
        t, row = self.table.value, self.selected_row
        touches = f["cells"].map(lambda cells: any(c[0] == t and (row is None or c[1] == row) for c in cells))
        return f[touches | ((f["row"] == row) & f["tables"].map(lambda ts: t in ts))] if row else f[touches]

    def _show(self, *_: object) -> None:
        t, row = self._frame(), self.selected_row
        if t.empty:
            self.values.value = "<p>无数据</p>"
            return
        part = t[t["row"] == row] if row else t
        self.values.value = part.to_html(index=False, na_rep="", escape=True)
        f = self.row_findings()
        shown = f[f["status"] != "ok"].head(20)
        items = "".join(f"<li><b>{html.escape(r.status)}</b> {html.escape(r.rule)} p{html.escape(','.join(map(str, r.pages)))}: "
                        f"{html.escape(r.message)}</li>" for r in shown.itertuples())
        self.findings.value = (f"<p>{len(f)} 条核对涉及此处，{int((f['status'] == 'ok').sum())} 条相符</p><ul>{items}</ul>")
        if row:
            kids = t[t["row"].map(lambda c: classify.parent(c) == row)]
        else:
            kids = t[t["level"] == "类"] if "level" in t else t
        value_col = next((c for c in ("total", "amount") if c in t), None)
        self.chart.clear_output()
        if value_col and len(kids):
            with self.chart:
                display(alt.Chart(kids, title="构成").mark_bar().encode(
                    x=alt.X(f"{value_col}:Q", title="万元"), y=alt.Y("name:N", sort="-x", title=None),
                    tooltip=["row:N", "name:N", alt.Tooltip(f"{value_col}:Q", format=",.2f")]))


def _set(dropdown: w.Dropdown, value: object, then) -> None:
    """Select a value; when it is already selected no observer fires, so run the handler."""
    if dropdown.value == value:
        then()
    else:
        dropdown.value = value


def explore(source: Corpus | Disclosure) -> Explorer:
    """The explorer widget; display it in JupyterLab."""
    return Explorer(source)
