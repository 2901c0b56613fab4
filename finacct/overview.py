"""Corpus-wide views for the overview notebook: one row per document with the figures worth
ranking (三公经费, 机关运行经费, 完成率, errors, completeness) and year-over-year series."""
from __future__ import annotations

import altair as alt
import pandas as pd

from finacct.corpus import Corpus
from finacct.departments import department_key


def scores(corpus: Corpus) -> pd.DataFrame:
    """One row per document of the store (the store's `scores` view): key figures, error
    count, the share of completeness rules met and the transparency score."""
    return corpus.query("SELECT * FROM scores")


def ranking(frame: pd.DataFrame, column: str, title: str = "") -> alt.Chart:
    """Departments ranked by one column (latest year each)."""
    latest = frame.sort_values("year").groupby("department_key").tail(1).dropna(subset=[column])
    return alt.Chart(latest, title=title or f"{column}（各部门最新年度）").mark_bar().encode(
        x=alt.X(f"{column}:Q"), y=alt.Y("department:N", sort="-x", title=None),
        tooltip=["department:N", "year:O", alt.Tooltip(f"{column}:Q", format=",.2f")])


def year_over_year(frame: pd.DataFrame, column: str = "一般公共预算支出") -> pd.DataFrame:
    """department × year of one column, with the change from the year before."""
    wide = frame.pivot_table(index="department_key", columns="year", values=column, aggfunc="first")
    years = sorted(wide.columns)
    for a, b in zip(years, years[1:]):
        wide[f"{b}比{a}增减"] = wide[b] - wide[a]
    return wide


__all__ = ["scores", "ranking", "year_over_year", "department_key"]
