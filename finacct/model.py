"""Disclosure: one department's final accounts as tidy tables, convertible to the
contract JSON (finacct.disclosure/1) and the canonical xlsx, and back."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from finacct import classify
from finacct.tables.meta import to_wan
from finacct.tables.specs import KIND_IDS, TEMPLATES, Template

if TYPE_CHECKING:
    from finacct.narrative.claims import Claim
    from finacct.narrative.text import Sentence

SCHEMA = "finacct.disclosure/1"
FACT_COLUMNS = ["table", "row", "col", "value", "page", "label"]
# Provenance of facts read from a scan (contract: "Facts read by OCR"): columns present only
# when some fact has them, keys emitted only where set.
OCR_COLUMNS = ["ocr", "confidence", "suspect", "proposed"]


# What a Disclosure reads from its text, once (cached_property): the same whatever unit its tables print.
FROM_TEXT = ("lines", "joined_text", "narrative", "sentences", "claims")


@dataclass
class Disclosure:
    """A department's 部门决算: metadata, per-table status, every numeric cell as a fact,
    and the project performance self-evaluations."""

    source: str
    department: str = ""
    year: int | None = None
    unit: str = "万元"
    kind: str = "final"  # final (决算) | budget (预算)
    template: str = "local"  # the table set the document follows (finacct/tables/templates)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FACT_COLUMNS))
    performance: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (page, line) of the whole document as read; the narrative checks and drafts read it.
    # Not part of the contract JSON, so a Disclosure read back from JSON/xlsx has none.
    text: list[tuple[int, str]] = field(default_factory=list, repr=False)
    # Where each (table, row, col) stands in `facts`, and the wide tables built from them: a
    # report asks for hundreds of values and the same tables a dozen times. Rebuilt when `facts`
    # is replaced or grows; a value edited in place (a teaching notebook moving a cell) is read
    # afresh, since only positions and the values a table was built from are remembered.
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def wan(self) -> float:
        """万元 per unit of the document's cells: a narrative speaks in 万元, a budget's tables may print 元."""
        return to_wan(self.unit)

    def in_wan(self) -> "Disclosure":
        """This disclosure with every value in 万元, the unit a 情况说明 speaks in: a draft reads it,
        so a budget whose tables print 元 is described as its own narrative describes it."""
        if self.wan == 1:
            return self
        copy = replace(self, unit="万元", facts=self.facts.assign(value=self.facts["value"].astype(float) * self.wan))
        copy.__dict__.update({k: v for k, v in self.__dict__.items() if k in FROM_TEXT})   # the text, not the unit: read once
        return copy

    @property
    def spec(self) -> Template:
        """The document's template: which tables it has and what they are called."""
        return TEMPLATES.get(self.template, TEMPLATES["local"])

    # -- tidy views ---------------------------------------------------------------
    def _positions(self) -> dict[tuple[str, str, str], int]:
        """(table, row, col) -> the position of its first fact, for the current `facts`."""
        f = self.facts
        if self._memo.get("facts") is not f:   # the frame itself kept: an id could be reused by another
            positions: dict[tuple[str, str, str], int] = {}
            for i, key in enumerate(zip(f["table"], f["row"], f["col"])):
                positions.setdefault(key, i)
            self._memo.clear()
            self._memo.update(facts=f, positions=positions)
        return self._memo["positions"]

    def table(self, tid: str) -> pd.DataFrame:
        """One table wide: a row per printed row (with code, name, level, parent for
        classified rows), a column per contract column key, and the page."""
        self._positions()   # clears the remembered tables when `facts` was replaced
        f = self.facts[self.facts["table"] == tid]
        if f.empty:
            return pd.DataFrame()
        seen = (f["row"].tolist(), f["col"].tolist(), f["value"].tolist(), f["label"].tolist(), f["page"].tolist())
        built = self._memo.get(("table", tid))
        if built is not None and built[0] == seen:
            return built[1].copy()
        out = self._wide(tid, f)
        self._memo[("table", tid)] = (seen, out)
        return out.copy()

    def _wide(self, tid: str, f: pd.DataFrame) -> pd.DataFrame:
        """Rows and columns in the order first printed, each cell its first fact: a pivot in
        plain Python, a tenth of pivot_table's cost for tables of a few hundred cells."""
        rows: dict[str, tuple[Any, Any]] = {}
        cells: dict[tuple[str, str], float] = {}
        cols: dict[str, None] = {}
        for r, c, v, label, page in zip(f["row"], f["col"], f["value"], f["label"], f["page"]):
            rows.setdefault(r, (label, page))
            cols.setdefault(c, None)
            cells.setdefault((r, c), v)
        out = pd.DataFrame({"row": list(rows), "name": [m[0] for m in rows.values()], "page": [m[1] for m in rows.values()],
                            **{c: pd.array([cells.get((r, c), float("nan")) for r in rows], dtype="float64") for c in cols}})
        spec = self.spec.tables.get(tid)
        if spec and spec.kind in ("functional", "economic"):
            codes = out["row"].where(out["row"].str.isdigit())
            out.insert(1, "level", codes.map(lambda c: classify.level(c) if isinstance(c, str) else ""))
            out.insert(2, "parent", codes.map(lambda c: classify.parent(c) if isinstance(c, str) else None))
        return out

    @property
    def status(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"table": t, "name": self.spec.name_of(t), "status": self._status(t),
              "pages": self.tables.get(t, {}).get("pages", []),
              "facts": int((self.facts["table"] == t).sum())} for t in self.spec.ids])

    def _status(self, tid: str) -> str:
        return self.tables.get(tid, {}).get("status") or self.spec.status_if_absent(tid)

    def indicators(self) -> pd.DataFrame:
        """Every performance indicator, one row each, with its project."""
        return pd.DataFrame([{"project": p["project"], **i} for p in self.performance for i in p.get("indicators", [])])

    def value(self, table: str, row: str, col: str) -> float | None:
        """The first fact at (table, row, col), or None."""
        i = self._positions().get((table, row, col))
        if i is not None and self._cell(i, "table", "row", "col") != (table, row, col):
            self._memo.clear()   # a key edited in place: look again
            i = self._positions().get((table, row, col))
        return None if i is None else float(self._cell(i, "value")[0])

    def _cell(self, i: int, *columns: str) -> tuple:
        """The facts' row i in these columns, read cell by cell (a column looked up as a Series
        costs four times as much: the checks ask hundreds of values)."""
        at = self.facts.columns.get_loc
        return tuple(self.facts.iat[i, at(c)] for c in columns)

    @cached_property
    def lines(self) -> list[tuple[int, str]]:
        """Every line of the document (page, cleaned text), cleaned once for all that reads them."""
        from finacct.narrative.text import clean
        return [(page, clean(line)) for page, line in self.text]

    @cached_property
    def joined_text(self) -> tuple[str, list[tuple[int, int]]]:
        """The whole document's text as one string (a line break cannot split a phrase) and
        (offset, page) where each line starts, built once for every search over it."""
        starts, at = [], 0
        for page, flat in self.lines:
            starts.append((at, page))
            at += len(flat)
        return "".join(flat for _, flat in self.lines), starts

    @cached_property
    def narrative(self) -> list[list[tuple[int, str]]]:
        """The 情况说明's parts (its lines from each heading on), found once."""
        from finacct.narrative.text import parts
        return parts(self.lines)

    @cached_property
    def sentences(self) -> list["Sentence"]:
        """The 情况说明 as sentences, read once (claims and the wording checks share them)."""
        from finacct.narrative.text import sentences
        return sentences(self.narrative)

    @cached_property
    def claims(self) -> list["Claim"]:
        """The 情况说明 read into claims, once (checks, drafts and charts share them); a budget's
        stated 预算 are its amounts."""
        from finacct.narrative.claims import parse
        return parse(self.sentences, budget=self.kind == "budget")

    def check(self, *args: object, **kwargs: object) -> None:
        """Moved: the checks stand above the model they read (finacct.reconcile)."""
        raise AttributeError("Disclosure.check() is now finacct.check(d, budget=..., prior=...)")

    # -- contract JSON ------------------------------------------------------------
    def to_contract(self) -> dict[str, Any]:
        """The contract JSON. Tables beyond the kind's standard ids (a budget's b10+) carry
        their facts in `extra_facts`: answer keys score the standard tables only."""
        extra = [c for c in OCR_COLUMNS if c in self.facts.columns]
        records = [_record(f) for f in self.facts[FACT_COLUMNS + extra].astype(object).to_dict("records")]
        standard = set(KIND_IDS[self.kind])
        return {
            "schema": SCHEMA, "source": self.source, "department": self.department, "year": self.year,
            "unit": self.unit, "kind": self.kind, "template": self.template,
            "tables": {t: self.tables.get(t, {"status": self._status(t), "pages": []}) for t in self.spec.ids},
            "facts": [f for f in records if f["table"] in standard],
            "extra_facts": [f for f in records if f["table"] not in standard],
            "performance": self.performance, "warnings": self.warnings,
        }

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_contract(), ensure_ascii=False, **kw)

    @classmethod
    def from_contract(cls, data: dict[str, Any]) -> "Disclosure":
        records = data.get("facts", []) + data.get("extra_facts", [])
        columns = FACT_COLUMNS + [c for c in OCR_COLUMNS if any(c in f for f in records)]
        facts = pd.DataFrame([{k: f.get(k) for k in columns} for f in records], columns=columns)
        return cls(source=data.get("source", ""), department=data.get("department", ""), year=data.get("year"),
                   unit=data.get("unit", "万元"), kind=data.get("kind", "final"), template=data.get("template", "local"),
                   tables=data.get("tables", {}), facts=facts,
                   performance=data.get("performance", []), warnings=data.get("warnings", []))

    # -- notebook -----------------------------------------------------------------
    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(r.table)}</td><td>{e(r.name)}</td><td>{e(r.status)}</td><td>{e(', '.join(map(str, r.pages)))}</td><td>{r.facts}</td></tr>"
            for r in self.status.itertuples())
        warn = "".join(f"<li>{e(w)}</li>" for w in self.warnings[:20])
        more = f"<li>… {len(self.warnings) - 20} more</li>" if len(self.warnings) > 20 else ""
        what = "部门预算" if self.kind == "budget" else "部门决算"
        return (f"<div><b>{e(self.department or '?')}</b> · {e(str(self.year or '?'))} 年度{what} · 单位 {e(self.unit)}"
                f" · <code>{e(self.source)}</code><table><tr><th>id</th><th>表</th><th>status</th><th>pages</th><th>facts</th></tr>"
                f"{rows}</table><p>{len(self.performance)} 项目绩效自评表</p>"
                + (f"<details><summary>{len(self.warnings)} warnings</summary><ul>{warn}{more}</ul></details>" if self.warnings else "")
                + "</div>")

    def __repr__(self) -> str:
        present = sum(1 for t in self.spec.tables if self._status(t) == "present")
        return (f"<Disclosure {self.department or '?'} {self.year or '?'} {self.kind}/{self.template}: "
                f"{present}/{len(self.spec.tables)} tables present, "
                f"{len(self.facts)} facts, {len(self.performance)} performance tables, {len(self.warnings)} warnings>")


def _record(f: dict[str, Any]) -> dict[str, Any]:
    """A fact as the contract prints it: its six keys, then the OCR keys it has (`ocr`, `suspect`
    as true; `confidence`, `proposed` as numbers); a blank in a column other facts fill is no key."""
    out = {**{k: f[k] for k in FACT_COLUMNS}, "value": float(f["value"]), "page": int(f["page"])}
    for k in OCR_COLUMNS:
        v = f.get(k)
        if v is not None and v is not False and not (isinstance(v, float) and v != v):
            out[k] = bool(v) if k in ("ocr", "suspect") else float(v)
    return out
