"""The canonical spreadsheet: the contract's facts in long form, one sheet per part, so a
user can hand-key or correct a document and load it like any other source."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from finacct.errors import UnreadableError
from finacct.model import FACT_COLUMNS, SCHEMA, Disclosure

FUND_COLUMNS = ["budget_initial", "budget_full", "executed", "execution_rate"]
INDICATOR_COLUMNS = ["project", "level1", "level2", "name", "target", "actual", "deviation_note"]


def write(d: Disclosure, path: Path) -> None:
    data = d.to_contract()
    meta = pd.DataFrame({"key": ["schema", "source", "department", "year", "unit"],
                         "value": [SCHEMA, d.source, d.department, d.year, d.unit]})
    tables = pd.DataFrame([{"table": t, "status": v["status"], "pages": ",".join(map(str, v.get("pages", []))),
                            "statement": v.get("statement", "")} for t, v in data["tables"].items()])
    perf = pd.DataFrame([{"project": p["project"], "unit": p.get("unit", ""), "page": p.get("page"),
                          **{k: p["funds"].get(k) for k in FUND_COLUMNS}} for p in d.performance],
                        columns=["project", "unit", "page", *FUND_COLUMNS])
    indicators = pd.DataFrame([{"project": p["project"], **i} for p in d.performance for i in p.get("indicators", [])],
                              columns=INDICATOR_COLUMNS)
    tmp = path.with_name(path.name + ".part")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        meta.to_excel(xw, sheet_name="meta", index=False)
        tables.to_excel(xw, sheet_name="tables", index=False)
        d.facts[FACT_COLUMNS].to_excel(xw, sheet_name="facts", index=False)
        perf.to_excel(xw, sheet_name="performance", index=False)
        indicators.to_excel(xw, sheet_name="indicators", index=False)
        pd.DataFrame({"warning": d.warnings}).to_excel(xw, sheet_name="warnings", index=False)
    tmp.replace(path)


def read(path: Path) -> Disclosure:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype={"row": str, "col": str, "table": str})
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnreadableError(f"{path.name}: not a readable xlsx ({exc.__class__.__name__})") from exc
    missing = {"meta", "facts"} - set(sheets)
    if missing:
        raise UnreadableError(f"{path.name}: not a finacct spreadsheet (no sheet {', '.join(sorted(missing))})")
    meta = dict(zip(sheets["meta"]["key"], sheets["meta"]["value"]))
    facts = sheets["facts"].reindex(columns=FACT_COLUMNS)
    facts = facts[facts["value"].notna()].astype({"value": float})
    facts["label"] = facts["label"].fillna("")
    d = Disclosure(source=path.name, department=str(meta.get("department") or ""),
                   year=int(meta["year"]) if pd.notna(meta.get("year")) else None, unit=str(meta.get("unit") or "万元"),
                   facts=facts.reset_index(drop=True))
    for r in sheets.get("tables", pd.DataFrame()).itertuples():
        pages = [int(p) for p in str(r.pages).split(",") if p.strip().isdigit()] if pd.notna(r.pages) else []
        d.tables[r.table] = {"status": r.status, "pages": pages}
    if "tables" not in sheets:
        d.tables = {t: {"status": "present", "pages": []} for t in facts["table"].unique()}
    indicators = sheets.get("indicators", pd.DataFrame(columns=INDICATOR_COLUMNS))
    for r in sheets.get("performance", pd.DataFrame()).to_dict("records"):
        own = indicators[indicators["project"] == r["project"]].drop(columns="project")
        d.performance.append({"project": r["project"], "unit": r.get("unit") or "", "page": r.get("page"),
                              "funds": {k: float(r[k]) for k in FUND_COLUMNS if pd.notna(r.get(k))},
                              "indicators": [{k: v for k, v in i.items() if pd.notna(v)} for i in own.to_dict("records")]})
    return d
