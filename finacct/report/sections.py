"""What the department-report notebook shows, one function per section, so the notebook
stays thin (every cell is one call) and its logic is tested like any other code. Text taken
from a document is escaped before it is shown as HTML or Markdown."""
from __future__ import annotations

import html
from typing import Any

import altair as alt
import pandas as pd
from IPython.display import HTML, Markdown, display

from finacct import budget as budget_file
from finacct import charts
from finacct.load import load
from finacct.model import Disclosure
from finacct.narrative.draft import amount, explain
from finacct.reconcile.findings import Findings

e = html.escape
alt.renderers.enable("mimetype")   # JupyterLab draws Vega-Lite itself; report/html.py embeds it offline


def open_inputs(source: str, prior_source: str = "", budget: str = "") -> tuple[Disclosure, Disclosure | None, Disclosure | dict[str, float]]:
    """The disclosure, last year's (if given) and its budget (if given): the department's budget
    disclosure, or a user's 年初预算 file (code,budget)."""
    return load(source), (load(prior_source) if prior_source else None), (budget_file.open_budget(budget) if budget else {})


def check(d: Disclosure, budget: Disclosure | dict[str, float]) -> Findings:
    """Every rule; a final with its budget disclosure is also checked against it."""
    return d.check(budget=budget if isinstance(budget, Disclosure) else None)


def safe_markdown(text: str) -> Markdown:
    """Markdown with no raw HTML: a document holding <script> cannot inject markup."""
    return Markdown(text.replace("&", "&amp;").replace("<", "&lt;"))


def heading(d: Disclosure) -> Markdown:
    what = "部门预算" if d.kind == "budget" else "部门决算"
    return safe_markdown(f"# {d.department or d.source} {d.year or ''} 年度{what} · finacct 报告")


# The figures a report's card and the index page show, per kind of document: (name, cell).
FIGURES = {
    "final": (("收入支出总计", ("t01", "inc.grand_total", "amount")), ("本年支出合计", ("t03", "total", "total")),
              ("一般公共预算财政拨款支出", ("t05", "total", "total")), ("三公经费决算", ("t09", "actual", "total"))),
    "budget": (("收入预算", ("b01", "inc.total", "amount")), ("支出预算", ("b03", "total", "total")),
               ("一般公共预算支出预算", ("b05", "total", "total")), ("三公经费预算", ("b09", "budget", "total"))),
}


def key_figures(d: Disclosure, findings: pd.DataFrame) -> dict[str, Any]:
    """The figures the index page and the summary card show."""
    counts = findings["status"].value_counts()
    return {**{name: d.value(*cell) for name, cell in FIGURES[d.kind]},
            "errors": int(counts.get("error", 0)), "rounding": int(counts.get("rounding", 0)),
            "tables_present": sum(1 for t in d.spec.tables if d.tables.get(t, {}).get("status") != "missing")}


CARD_LABELS = {"errors": "核对错误", "rounding": "尾数误差", "tables_present": "读到的表"}


def summary_card(d: Disclosure, findings: pd.DataFrame) -> HTML:
    k = key_figures(d, findings)
    k["tables_present"] = f"{k['tables_present']} / {len(d.spec.tables)}"
    cells = "".join(f"<div class='fa-card'><div class='fa-k'>{e(CARD_LABELS.get(name, name))}</div><div class='fa-v'>"
                    f"{e(amount(val)) + ' ' + e(d.unit) if isinstance(val, float) else e(str(val if val is not None else '—'))}</div></div>"
                    for name, val in k.items())
    return HTML(f"<style>.fa-card{{display:inline-block;border:1px solid #ccc;border-radius:6px;padding:6px 12px;margin:4px}}"
                f".fa-k{{font-size:12px;color:#555}}.fa-v{{font-size:18px}}</style>"
                f"<p>{e(d.source)} · 单位 {e(d.unit)} · {len(d.warnings)} 条提取警告</p>{cells}")


def nine_tables(d: Disclosure) -> None:
    """Each table of the document's template as printed rows (status and pages for the empty ones)."""
    for t in d.spec.tables:
        st = d.tables.get(t, {})
        table = d.table(t)
        head = f"<h3>{e(t)} {e(d.spec.name_of(t))} <small>({e(st.get('status', 'missing'))}, p{e(', '.join(map(str, st.get('pages', []))))})</small></h3>"
        display(HTML(head + (table.to_html(index=False, na_rep="", escape=True, float_format="{:,.2f}".format)
                             if not table.empty else f"<p>{e(st.get('statement', '无数据'))}</p>")))


def findings_summary(findings: Findings) -> HTML:
    return HTML(findings._repr_html_())


def draft(d: Disclosure, prior: Disclosure | None, budget: Disclosure | dict[str, float]) -> Markdown:
    return safe_markdown(explain(d, prior=prior, budget=budget or None))


def all_charts(d: Disclosure, prior: Disclosure | None, findings: Findings, budget: Disclosure | dict[str, float] | None = None) -> None:
    for chart in charts.all_charts(d, prior, findings, budget).values():
        display(chart)


def performance(d: Disclosure) -> None:
    if not d.performance:
        display(Markdown("文件未附项目支出绩效自评表。"))
        return
    funds = pd.DataFrame([{"项目": p["project"], "实施单位": p.get("unit", ""), **p["funds"]} for p in d.performance])
    display(HTML(funds.to_html(index=False, escape=True)))
    display(HTML(d.indicators().to_html(index=False, escape=True)))


def expect(d: Disclosure, department: str, year: int) -> None:
    """Parameters may name the department and year the caller expects; say so if the document differs."""
    if department and department != d.department:
        display(Markdown(f"**注意**：参数给出的部门与文件不符（文件：{e(d.department)}）。"))
    if year and year != d.year:
        display(Markdown(f"**注意**：参数给出的年度 {int(year)} 与文件（{d.year}）不符。"))


def save_data(d: Disclosure, findings: Findings, output_dir: str) -> None:
    """The report's data beside it: contract JSON, canonical xlsx, findings JSON."""
    import json
    from pathlib import Path

    from finacct.extract import xlsx
    from finacct.reconcile import SCHEMA
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "disclosure.json").write_text(d.to_json(indent=1), encoding="utf-8")
    (out / "findings.json").write_text(json.dumps({"schema": SCHEMA, "source": d.source, "findings": findings.to_records()},
                                                  ensure_ascii=False), encoding="utf-8")
    from finacct.narrative import claims
    (out / "claims.json").write_text(claims.frame(d.claims).to_json(orient="records", force_ascii=False),
                                     encoding="utf-8")
    xlsx.write(d, out / "disclosure.xlsx")
