"""The canonical spreadsheet: the contract's facts in long form, one sheet per part, so a
user can hand-key or correct a document and load it like any other source."""
from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd
import xlsxwriter

from finacct.errors import UnreadableError
from finacct.model import FACT_COLUMNS, SCHEMA, Disclosure

FUND_COLUMNS = ["budget_initial", "budget_full", "executed", "execution_rate"]
INDICATOR_COLUMNS = ["project", "level1", "level2", "name", "target", "actual", "deviation_note"]
# An xlsx is a zip of XML: a finacct spreadsheet unpacks to a few MB at ratios near 10. Far
# beyond (a zip bomb), or a sheet of more rows than any disclosure has, is refused unread.
MAX_UNPACKED = 256 << 20
MAX_RATIO = 100            # for members unpacking to more than RATIO_FLOOR
RATIO_FLOOR = 8 << 20
MAX_MEMBERS = 10_000
MAX_ROWS = 200_000
CELL_TEXT = 32_767          # characters an xlsx cell holds


def write(d: Disclosure, path: Path) -> None:
    data = d.to_contract()
    meta = pd.DataFrame({"key": ["schema", "source", "department", "year", "unit", "kind", "template"],
                         "value": [SCHEMA, d.source, d.department, d.year, d.unit, d.kind, d.template]})
    tables = pd.DataFrame([{"table": t, "status": v["status"], "pages": ",".join(map(str, v.get("pages", []))),
                            "statement": v.get("statement", ""), "unit": v.get("unit", "")} for t, v in data["tables"].items()])
    perf = pd.DataFrame([{"project": p["project"], "unit": p.get("unit", ""), "page": p.get("page"),
                          **{k: p["funds"].get(k) for k in FUND_COLUMNS}} for p in d.performance],
                        columns=["project", "unit", "page", *FUND_COLUMNS])
    indicators = pd.DataFrame([{"project": p["project"], **i} for p in d.performance for i in p.get("indicators", [])],
                              columns=INDICATOR_COLUMNS)
    sheets = {"meta": meta, "tables": tables, "facts": d.facts[FACT_COLUMNS], "performance": perf, "indicators": indicators,
              "warnings": pd.DataFrame({"warning": d.warnings})}
    tmp = path.with_name(path.name + ".part")
    # XlsxWriter writes a cell at a time without building a workbook of cell objects first (half
    # openpyxl's time); told to, it keeps "=…" in document text a string, never a live formula.
    book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    try:
        for name, frame in sheets.items():
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, list(frame.columns))
            rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
            for i, row in enumerate(rows, start=1):
                sheet.write_row(i, 0, [_cell(v) for v in row])
        book.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)   # a write that failed leaves no half file


def _cell(value: object) -> object:
    """A value as a cell can hold it: an infinity (a number printed with hundreds of digits) as
    the text "inf", which read() takes back; text past a cell's limit cut, saying so in the cell."""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str) and len(value) > CELL_TEXT:
        note = f"…[{len(value):,} characters, cut to a cell's {CELL_TEXT:,}]"
        return value[:CELL_TEXT - len(note)] + note
    return value


def check_zip(path: Path) -> None:
    """Refuse a zip bomb before openpyxl unpacks it: too many members, too many bytes in all,
    or a large member compressed beyond any spreadsheet's ratio (sizes from the zip's directory;
    zipfile never unpacks a member past its stated size)."""
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableError(f"{path.name}: not a readable xlsx ({exc.__class__.__name__})") from exc
    total = sum(m.file_size for m in members)
    worst = next((m for m in members if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * m.compress_size), None)
    if len(members) > MAX_MEMBERS or total > MAX_UNPACKED:
        raise UnreadableError(f"{path.name}: the xlsx unpacks to {len(members):,} files and {total / 2**20:,.0f} MB "
                              f"(limit {MAX_MEMBERS:,} files, {MAX_UNPACKED >> 20} MB); refused")
    if worst is not None:
        raise UnreadableError(f"{path.name}: {worst.filename} unpacks {worst.file_size / max(worst.compress_size, 1):,.0f} times "
                              f"its size ({worst.file_size / 2**20:,.0f} MB), a zip bomb; refused")


def _bad(path: Path, sheet: str, row: int | None, column: str, why: str) -> UnreadableError:
    where = f"sheet {sheet}" + (f", row {row}" if row is not None else "") + f", column {column}"
    return UnreadableError(f"{path.name}: {where}: {why}")


def _year(path: Path, value: object) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return None
    text = str(value).strip().removesuffix(".0")
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise _bad(path, "meta", None, "value", f"year {value!r} is not a year like 2023")
    return int(text)


def read(path: Path) -> Disclosure:
    """A finacct spreadsheet, validated: a missing column, a non-numeric value or a formula
    without its computed result is one line naming sheet, row and column — never 0 facts."""
    check_zip(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype={"row": str, "col": str, "table": str}, nrows=MAX_ROWS + 1)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnreadableError(f"{path.name}: not a readable xlsx ({exc.__class__.__name__})") from exc
    big = next((name for name, frame in sheets.items() if len(frame) > MAX_ROWS), None)
    if big is not None:
        raise UnreadableError(f"{path.name}: sheet {big} has more than {MAX_ROWS:,} rows; refused")
    missing = {"meta", "facts"} - set(sheets)
    if missing:
        raise UnreadableError(f"{path.name}: not a finacct spreadsheet (no sheet {', '.join(sorted(missing))})")
    for sheet, needed in (("meta", ("key", "value")), ("facts", tuple(FACT_COLUMNS))):
        absent = [c for c in needed if c not in sheets[sheet].columns]
        if absent:
            raise _bad(path, sheet, None, ", ".join(absent), "missing (the header row names the columns)")
    meta = dict(zip(sheets["meta"]["key"], sheets["meta"]["value"]))
    facts = sheets["facts"].reindex(columns=FACT_COLUMNS)
    facts = facts[facts[["table", "row", "col", "value"]].notna().any(axis=1)]
    for i, (value, page) in enumerate(zip(facts["value"], facts["page"]), start=2):
        if pd.isna(value):
            raise _bad(path, "facts", i, "value", "empty (a formula saved without its result, or a deleted number)")
        try:
            float(value)
            int(page) if pd.notna(page) else None
        except (TypeError, ValueError):
            raise _bad(path, "facts", i, "value" if not _number(value) else "page", f"{value!r} / {page!r} is not a number") from None
    facts = facts.astype({"value": float})
    facts["label"] = facts["label"].fillna("").astype(str)
    facts["page"] = facts["page"].fillna(0).astype(int)
    kind = str(meta.get("kind") or "final")
    d = Disclosure(source=path.name, department=str(meta.get("department") or "") if pd.notna(meta.get("department")) else "",
                   year=_year(path, meta.get("year")), unit=str(meta.get("unit") or "万元"), kind=kind,
                   template=str(meta.get("template") or ("local" if kind == "final" else "shanghai_budget")),
                   facts=facts.reset_index(drop=True))
    for r in sheets.get("tables", pd.DataFrame()).itertuples():
        pages = [int(p) for p in str(r.pages).split(",") if p.strip().isdigit()] if pd.notna(r.pages) else []
        d.tables[r.table] = {"status": r.status, "pages": pages}
        for key in ("statement", "unit"):   # a note the table prints, the unit it was printed in
            if isinstance(getattr(r, key, None), str) and getattr(r, key):
                d.tables[r.table][key] = getattr(r, key)
    if "tables" not in sheets:
        d.tables = {t: {"status": "present", "pages": []} for t in facts["table"].unique()}
    indicators = sheets.get("indicators", pd.DataFrame(columns=INDICATOR_COLUMNS))
    for r in sheets.get("performance", pd.DataFrame()).to_dict("records"):
        own = indicators[indicators["project"] == r["project"]].drop(columns="project")
        d.performance.append({"project": r["project"], "unit": r.get("unit") or "", "page": r.get("page"),
                              "funds": {k: float(r[k]) for k in FUND_COLUMNS if pd.notna(r.get(k))},
                              "indicators": [{k: v for k, v in i.items() if pd.notna(v)} for i in own.to_dict("records")]})
    return d


def _number(value: object) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False
