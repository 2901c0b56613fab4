"""Corpus-wide views for the overview notebook: one row per document with the figures worth
ranking (三公经费, 机关运行经费, 完成率, errors, completeness) and year-over-year series."""
from __future__ import annotations

import altair as alt
import pandas as pd

from finacct.corpus import Corpus, department_key

SCORES = """
WITH f AS (SELECT doc_id,
    count(*) FILTER (WHERE status = 'error') AS errors,
    count(*) FILTER (WHERE status = 'rounding') AS rounding,
    avg(CASE WHEN status = 'ok' THEN 1.0 ELSE 0.0 END) FILTER (WHERE rule LIKE 'completeness.%') AS completeness
  FROM findings GROUP BY doc_id),
v AS (SELECT doc_id,
    max(value) FILTER (WHERE "table" = 't09' AND "row" = 'actual' AND col = 'total') AS sangong,
    max(value) FILTER (WHERE "table" = 't09' AND "row" = 'budget' AND col = 'total') AS sangong_budget,
    max(value) FILTER (WHERE "table" = 't05' AND "row" = 'total' AND col = 'total') AS general_budget,
    max(value) FILTER (WHERE "table" = 't01' AND "row" = 'inc.grand_total') AS grand_total
  FROM facts GROUP BY doc_id),
c AS (SELECT doc_id,
    max(amount) FILTER (WHERE "key" = 'admin_running') AS admin_running,
    max(rate_pct) FILTER (WHERE "key" = 'gb_expenditure') AS completion_pct
  FROM claims GROUP BY doc_id)
SELECT d.department, d.department_key, d.year, v.grand_total AS 收入支出总计, v.general_budget AS 一般公共预算支出,
    coalesce(v.sangong, 0) AS 三公经费决算, v.sangong_budget AS 三公经费预算, c.admin_running AS 机关运行经费,
    c.completion_pct AS 年初预算完成率, f.errors AS 错误数, f.rounding AS 尾数误差数, round(100 * f.completeness, 1) AS 完整性得分
FROM documents d LEFT JOIN v USING (doc_id) LEFT JOIN f USING (doc_id) LEFT JOIN c USING (doc_id)
ORDER BY d.department, d.year
"""


def scores(corpus: Corpus) -> pd.DataFrame:
    """One row per document of the store: key figures, error count and completeness score."""
    return corpus.query(SCORES)


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
