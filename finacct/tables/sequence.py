"""Rows of one table from a text dump, where cells have no positions: amounts follow
the table's print order, and function codes printed apart are matched to the rows by
the 类/款/项 hierarchy."""
from __future__ import annotations

import re

from finacct import classify
from finacct.extract.layout import AMOUNT, CODE, amount
from finacct.tables.rows import RawRow
from finacct.tables.specs import SANGONG_SIDES, TableSpec, normalise

INTEGER = re.compile(r"^\d+$")


def read_table(spec: TableSpec, lines: list[tuple[int, str]], page: int, warnings: list[str]) -> list[RawRow]:
    """Rows of a table section given as (line number, text) pairs."""
    reader = {"functional": _functional, "summary": _summary, "economic": _economic, "sangong": _sangong}.get(spec.kind)
    if reader is None:
        warnings.append(f"{spec.id} ({spec.name}) line {page}: a {spec.kind} table is not read from a text dump; left out")
        return []
    return reader(spec, lines, page, warnings)


def _order(spec: TableSpec, n: int) -> tuple[str, ...] | None:
    for order in spec.print_orders:
        if len(order) == n:
            return order
    return None


def _label_and_amounts(text: str) -> tuple[str, list[float]] | None:
    tokens = text.split()
    k = next((i for i, t in enumerate(tokens) if AMOUNT.match(t)), None)
    if k is None or not all(AMOUNT.match(t) for t in tokens[k:]):
        return None
    return "".join(tokens[:k]), [amount(t) for t in tokens[k:]]


def _functional(spec: TableSpec, lines: list[tuple[int, str]], page: int, warnings: list[str]) -> list[RawRow]:
    rows: list[RawRow] = []
    codes = [t for _, text in lines for t in text.split() if CODE.match(t) and len(t) in (3, 5, 7)]
    for no, text in lines:
        parsed = _label_and_amounts(text)
        if not parsed:
            continue
        label, values = parsed
        order = _order(spec, len(values))
        if order is None:
            warnings.append(f"{spec.id} line {no}: {len(values)} amounts fit no column layout of {spec.name}; row left out")
            continue
        indent = len(text) - len(text.lstrip(" "))
        rows.append(RawRow(page=page, label=label or "合计", cells=list(zip(order, values)), indent=indent))
    _assign_codes(spec, rows, codes, warnings)
    return rows


def _assign_codes(spec: TableSpec, rows: list[RawRow], codes: list[str], warnings: list[str]) -> None:
    """Give each row its printed code: 项 rows are indented, a 款 is the unindented row
    above them, the other unindented rows are 类. Within a parent the code is chosen by
    reference name, else by print order (tables list codes ascending)."""
    body = [r for r in rows if r.label != "合计"]
    levels = []
    for i, r in enumerate(body):
        nxt = body[i + 1] if i + 1 < len(body) else None
        levels.append(7 if r.indent else (5 if nxt is not None and nxt.indent else 3))
    free = {n: sorted(c for c in set(codes) if len(c) == n) for n in (3, 5, 7)}
    parent = {3: "", 5: "", 7: ""}
    for r, n in zip(body, levels):
        prefix = parent[n]
        pool = [c for c in free[n] if c.startswith(prefix)]
        by_name = [c for c in pool if classify.name_matches("functional", c, r.label)]
        if not pool:
            warnings.append(f"{spec.id}: no printed {classify.level('0' * n)} code left for row '{r.label}'; row left out")
            continue
        code = (by_name or pool)[0]
        free[n].remove(code)
        r.code = code
        if n == 3:
            parent[5] = code
        elif n == 5:
            parent[7] = code


def _segments(text: str) -> list[tuple[str, list[float], str]]:
    """Split a line into (label, amounts, code) runs: a label (with an optional leading
    code) followed by its amounts. Bare integers (行次, 栏次) are dropped."""
    out: list[tuple[str, list[float], str]] = []
    label, code, values = [], "", []
    for tok in text.split():
        if AMOUNT.match(tok):
            values.append(amount(tok))
        elif INTEGER.match(tok):
            if values:
                out.append(("".join(label), values, code))
                label, code, values = [], "", []
            if CODE.match(tok) and not label:
                code = tok
        else:
            if values:
                out.append(("".join(label), values, code))
                label, code, values = [], "", []
            label.append(tok)
    if label or values:
        out.append(("".join(label), values, code))
    return out


def _is_income(spec: TableSpec, label: str) -> bool:
    flat = normalise(label)
    return any(re.fullmatch(rl.pattern, flat) for rl in spec.rows[0])


def _summary(spec: TableSpec, lines: list[tuple[int, str]], page: int, warnings: list[str]) -> list[RawRow]:
    rows = []
    for no, text in lines:
        for i, (label, values, _) in enumerate(s for s in _segments(text) if s[0]):
            side = 0 if i == 0 and _is_income(spec, label) else 1
            cols = spec.side_columns[side]
            if len(values) > len(cols):
                warnings.append(f"{spec.id} line {no}: {len(values)} amounts for '{label}' but the side has {len(cols)} columns; left out")
                continue
            rows.append(RawRow(page=page, label=label, side=side, cells=list(zip(cols, values))))
    return rows


def _economic(spec: TableSpec, lines: list[tuple[int, str]], page: int, warnings: list[str]) -> list[RawRow]:
    rows = []
    footers = [w for _, text in lines for w in text.split() if re.fullmatch(r"(人员|公用)经费合计", w)]
    for no, text in lines:
        segs = _segments(text)
        if len(segs) == 1 and not segs[0][0] and not segs[0][2]:  # a footer line of bare amounts
            values = segs[0][1]
            if len(values) == len(footers):
                rows += [RawRow(page=page, label=f, cells=[("amount", v)]) for f, v in zip(footers, values)]
            else:
                warnings.append(f"{spec.id} line {no}: amounts {values} without labels; left out")
            continue
        for label, values, code in segs:
            if len(values) > 1:
                warnings.append(f"{spec.id} line {no}: {len(values)} amounts for '{label}'; left out")
                continue
            rows.append(RawRow(page=page, label=label, code=code, cells=[("amount", v) for v in values]))
    return rows


def _sangong(spec: TableSpec, lines: list[tuple[int, str]], page: int, warnings: list[str]) -> list[RawRow]:
    order = spec.print_orders[0]
    interleaved = sum(text.split().count("预算数") for _, text in lines) > 1
    rows = []
    for no, text in lines:
        parsed = _label_and_amounts(text)
        if not parsed:
            continue
        _, values = parsed
        if len(values) != 2 * len(order):
            warnings.append(f"{spec.id} line {no}: {len(values)} amounts, expected {2 * len(order)} (预算数 and 决算数); left out")
            continue
        if interleaved:
            keys = [(side, col) for col in order for side, _ in SANGONG_SIDES]
        else:
            keys = [(side, col) for side, _ in SANGONG_SIDES for col in order]
        rows.append(RawRow(page=page, cells=list(zip(keys, values))))
    return rows
