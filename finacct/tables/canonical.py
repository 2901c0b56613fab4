"""Raw rows -> canonical facts (contract row and column keys), per kind of table."""
from __future__ import annotations

import re

from finacct import classify
from finacct.tables.rows import RawRow
from finacct.tables.specs import ECONOMIC_FOOTERS, TableSpec, normalise, sangong_side

Fact = dict  # {"table", "row", "col", "value", "page", "label"}


def facts(spec: TableSpec, rows: list[RawRow], warnings: list[str]) -> list[Fact]:
    """Keyed facts of one table; rows that cannot be placed are reported, never guessed."""
    keyer = {"functional": _functional_key, "economic": _economic_key}.get(spec.kind)
    out: dict[tuple[str, str], Fact] = {}
    previous: dict[int, str] = {}
    if spec.kind == "summary" and len(spec.side_columns) > 1 and not any(r.side for r in rows):
        _stack(spec, rows)
    for raw in rows:
        if spec.kind == "summary":
            row = _summary_key(spec, raw, previous.get(raw.side, ""))
            previous[raw.side] = row or previous.get(raw.side, "")
        elif spec.kind == "sangong":
            row = ""
        elif spec.kind == "single":
            row = spec.row
        else:
            row = keyer(raw)
        if not raw.cells:
            continue
        label = normalise(raw.label)
        scheme = spec.kind if spec.kind in ("functional", "economic") else None
        if scheme and row and row.isdigit() and classify.name_matches(scheme, row, label) is False:
            warnings.append(f"{spec.id} p{raw.page}: printed code {row} is '{classify.names(scheme)[row]}' in the "
                            f"classification, but the row is named '{label}'")
        if row is None:
            warnings.append(f"{spec.id} p{raw.page}: row '{label or raw.code}' could not be placed; its {len(raw.cells)} cells were left out")
            continue
        for col, value in raw.cells:
            r, c = (_sangong_cell(spec, raw, col) if spec.kind == "sangong" else (row, col))
            if r is None or c is None:
                warnings.append(f"{spec.id} p{raw.page}: {value} in row '{label}' has no 预算数/决算数 or item; left out")
                continue
            if spec.kind == "summary":
                c = _summary_col(spec, raw.side, r, c)
                if c is None:
                    warnings.append(f"{spec.id} p{raw.page}: column of {value} in row {r} is not one this side prints; left out")
                    continue
            key = (r, c)
            if key in out and abs(out[key]["value"] - value) > 1e-9:
                warnings.append(f"{spec.id} p{raw.page}: {r}/{c} printed twice ({out[key]['value']} and {value}); kept the first")
                continue
            out.setdefault(key, {"table": spec.id, "row": r, "col": c, "value": value, "page": raw.page,
                                 "label": label if spec.kind != "sangong" else ("预算数" if r == "budget" else "决算数")})
    return _totals_when_alone(list(out.values())) if spec.kind == "summary" else list(out.values())


def _sangong_cell(spec: TableSpec, raw: RawRow, col: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """(budget/actual, item): the half the header does not give comes from the row label."""
    side, item = col
    label = normalise(raw.label)
    return side or sangong_side(label), item or spec.column_of(re.sub(r"^（\d+）|^\d+[.．、]", "", label))


def _totals_when_alone(facts: list[Fact]) -> list[Fact]:
    """A side that prints only its 总计 (no 本年收入合计 / 本年支出合计 line) keys it as the total."""
    rows = {f["row"] for f in facts}
    rename = {f"{side}.grand_total": f"{side}.total" for side in ("inc", "exp") if f"{side}.total" not in rows}
    return [{**f, "row": rename.get(f["row"], f["row"])} for f in facts]


def _functional_key(raw: RawRow) -> str | None:
    if len(raw.code) in (3, 5, 7):
        return raw.code
    if len(raw.code) == 6:  # a 预算单位 line (105236 西南大学) between 合计 and the classes
        return f"unit.{raw.code}"
    if not raw.code and re.search(r"合计$|^合计|总计", normalise(raw.label)):
        return "total"
    return None


def _economic_key(raw: RawRow) -> str | None:
    if len(raw.code) in (3, 5):
        return raw.code
    label = normalise(raw.label)
    for key, pattern in ECONOMIC_FOOTERS:
        if re.fullmatch(pattern, label):
            return key
    return "total" if not raw.code and re.fullmatch(r"(合计|总计)", label) else None


def _stack(spec: TableSpec, rows: list[RawRow]) -> None:
    """A two-sided table printed one side under the other: rows belong to the income side
    until the first line only the expenditure side has (一般公共服务支出, 本年支出合计); from
    there on, to the expenditure side (总计 is then the expenditure side's)."""
    side, previous = 0, ""
    for raw in rows:
        if side == 0 and _summary_key(spec, raw, previous) is None:
            raw.side = 1
            if _summary_key(spec, raw, "") is not None:
                side = 1
            raw.side = side
        else:
            raw.side = side
        previous = _summary_key(spec, raw, previous) or previous


def _summary_key(spec: TableSpec, raw: RawRow, previous: str) -> str | None:
    label = normalise(raw.label)
    if not label:
        return None
    for rl in spec.rows[min(raw.side, 1)]:
        if (not rl.after or previous.startswith(rl.after)) and re.fullmatch(rl.pattern, label):
            return rl.key
    if raw.side >= 1:
        code = classify.class_code(re.sub(r"（[^）]*）$", "", label))
        if code:
            return f"exp.{code}"
    return None


def _summary_col(spec: TableSpec, side: int, row: str, col: str) -> str | None:
    """Income rows print one amount; expenditure rows print the side's columns (t04's fund
    split), where a lone 决算数 column is the total."""
    if row.startswith("inc."):
        return "amount"
    allowed = spec.side_columns[min(side, len(spec.side_columns) - 1)]
    if col in allowed:
        return col
    return "total" if col == "amount" and "total" in allowed else None
