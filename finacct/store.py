"""The corpus store: one DuckDB file (reports/finacct.duckdb by default) holding every fact,
finding and narrative claim with department, year and source, so one SQL query answers a
question across departments and years. Exports to Parquet and to a Frictionless data package."""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from finacct.departments import department_key
from finacct.model import FACT_COLUMNS, Disclosure

DEFAULT = Path("reports") / "finacct.duckdb"
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (doc_id VARCHAR PRIMARY KEY, source VARCHAR, department VARCHAR,
    department_key VARCHAR, year INTEGER, unit VARCHAR, report_dir VARCHAR, finacct_version VARCHAR, tables_json VARCHAR);
CREATE TABLE IF NOT EXISTS facts (doc_id VARCHAR, department VARCHAR, year INTEGER, "table" VARCHAR, "row" VARCHAR,
    col VARCHAR, value DOUBLE, page INTEGER, label VARCHAR);
CREATE TABLE IF NOT EXISTS findings (doc_id VARCHAR, department VARCHAR, year INTEGER, rule VARCHAR, status VARCHAR,
    tables VARCHAR, "row" VARCHAR, col VARCHAR, expected DOUBLE, actual DOUBLE, diff DOUBLE, tolerance DOUBLE,
    pages VARCHAR, message VARCHAR);
CREATE TABLE IF NOT EXISTS claims (doc_id VARCHAR, department VARCHAR, year INTEGER, page INTEGER, "key" VARCHAR,
    item VARCHAR, amount DOUBLE, budget DOUBLE, change DOUBLE, change_pct DOUBLE, share_pct DOUBLE, rate_pct DOUBLE,
    prior DOUBLE, sentence VARCHAR);
ALTER TABLE documents ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'final';
ALTER TABLE documents ADD COLUMN IF NOT EXISTS template VARCHAR DEFAULT 'local';
ALTER TABLE documents ADD COLUMN IF NOT EXISTS score DOUBLE;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS score_json VARCHAR;
"""
# money: every fact in 万元. budget_execution: 预算 vs 决算 per department, year and 功能分类
# line, in 万元: the budget's b05 against the final's t05 (both 一般公共预算, or both all
# appropriations in the university set). sangong: 三公经费 per document and item (total,
# overseas, vehicle_*, reception) in 万元, 预算数 and 决算数 (t09; a budget's b09), every document
# listed (blank where it prints no 三公 table). scores: one row per document with the figures worth
# ranking (总计, 三公, 机关运行经费, 完成率; amounts in 万元, as in money), its error and rounding counts and its scores.
VIEWS = """
CREATE OR REPLACE VIEW money AS
SELECT d.doc_id, d.kind, d.template, d.department, d.department_key, d.year, f."table", f."row", f.col, f.label, f.page,
       f.value * CASE d.unit WHEN '元' THEN 0.0001 WHEN '千元' THEN 0.1 WHEN '亿元' THEN 10000 ELSE 1 END AS wan
FROM facts f JOIN documents d USING (doc_id);
CREATE OR REPLACE VIEW budget_execution AS
WITH b AS (SELECT department_key, year, "row" AS code, label, wan AS budget, doc_id AS budget_doc FROM money
           WHERE kind = 'budget' AND "table" = 'b05' AND col = 'total'),
     a AS (SELECT department_key, department, year, "row" AS code, label, wan AS actual, doc_id AS final_doc FROM money
           WHERE kind = 'final' AND "table" = 't05' AND col = 'total')
SELECT coalesce(a.department_key, b.department_key) AS department_key, a.department, coalesce(a.year, b.year) AS year,
       coalesce(a.code, b.code) AS code, coalesce(a.label, b.label) AS label,
       CASE WHEN coalesce(a.code, b.code) = 'total' THEN '合计' WHEN length(coalesce(a.code, b.code)) = 3 THEN '类'
            WHEN length(coalesce(a.code, b.code)) = 5 THEN '款' WHEN length(coalesce(a.code, b.code)) = 7 THEN '项' END AS level,
       b.budget, a.actual, round(100 * a.actual / nullif(b.budget, 0), 2) AS rate_pct, b.budget_doc, a.final_doc
FROM a FULL JOIN b ON a.department_key = b.department_key AND a.year = b.year AND a.code = b.code;
CREATE OR REPLACE VIEW sangong AS
SELECT d.doc_id, d.kind, d.department, d.department_key, d.year, coalesce(m.col, 'total') AS item,
       max(m.wan) FILTER (WHERE m."row" = 'budget') AS budget, max(m.wan) FILTER (WHERE m."row" = 'actual') AS actual
FROM documents d LEFT JOIN money m ON m.doc_id = d.doc_id AND m."table" IN ('t09', 'b09')
GROUP BY ALL;
CREATE OR REPLACE VIEW scores AS
WITH f AS (SELECT doc_id,
    count(*) FILTER (WHERE status = 'error') AS errors,
    count(*) FILTER (WHERE status = 'rounding') AS rounding,
    avg(CASE WHEN status = 'ok' THEN 1.0 ELSE 0.0 END) FILTER (WHERE rule LIKE 'completeness.%') AS completeness
  FROM findings GROUP BY doc_id),
v AS (SELECT doc_id,
    max(wan) FILTER (WHERE "table" = 't09' AND "row" = 'actual' AND col = 'total') AS sangong,
    max(wan) FILTER (WHERE "table" = 't09' AND "row" = 'budget' AND col = 'total') AS sangong_budget,
    max(wan) FILTER (WHERE "table" = 't05' AND "row" = 'total' AND col = 'total') AS general_budget,
    max(wan) FILTER (WHERE "table" = 't01' AND "row" = 'inc.grand_total') AS grand_total
  FROM money GROUP BY doc_id),
c AS (SELECT doc_id,
    max(amount) FILTER (WHERE "key" = 'admin_running') AS admin_running,
    max(rate_pct) FILTER (WHERE "key" = 'gb_expenditure') AS completion_pct
  FROM claims GROUP BY doc_id)
SELECT d.doc_id, d.kind, d.department, d.department_key, d.year, v.grand_total AS 收入支出总计, v.general_budget AS 一般公共预算支出,
    coalesce(v.sangong, 0) AS 三公经费决算, v.sangong_budget AS 三公经费预算, c.admin_running AS 机关运行经费,
    c.completion_pct AS 年初预算完成率, f.errors AS 错误数, f.rounding AS 尾数误差数, round(100 * f.completeness, 1) AS 完整性得分,
    d.score AS 透明度得分
FROM documents d LEFT JOIN v USING (doc_id) LEFT JOIN f USING (doc_id) LEFT JOIN c USING (doc_id)
ORDER BY d.department, d.year;
"""
TABLES = ("documents", "facts", "findings", "claims")
FINDING_COLUMNS = ["rule", "status", "tables", "row", "col", "expected", "actual", "diff", "tolerance", "pages", "message"]
CLAIM_COLUMNS = ["page", "key", "item", "amount", "budget", "change", "change_pct", "share_pct", "rate_pct", "prior", "sentence"]


# A bulk write commits every this many rows (facts, findings and claims): 10,000 documents
# are a few dozen transactions instead of 10,000, in bounded memory.
CHUNK_ROWS = 500_000
# What makes a stored document the same document as a new one besides its bytes (doc_id).
IDENTITY = ["source", "department_key", "year", "kind"]
# How many documents' facts one read brings in: the one asked for and the next ones in corpus
# order (the same department's other years). A read that carries on where the last one stopped
# reads twice as far, up to MAX_WINDOW: a read scans the doc_id column of every fact whatever
# it brings (ids are hashes, in no order), so walking 10,000 documents is a few reads, not 150.
WINDOW, MAX_WINDOW = 64, 2048


@dataclass
class _Document:
    """One document as rows for the store, made before anything is written: its documents row
    and its facts, findings and claims (doc_id, department and year are added when written)."""

    document: dict[str, Any]
    tables: dict[str, pd.DataFrame]

    @property
    def rows(self) -> int:
        return sum(len(t) for t in self.tables.values())

    @classmethod
    def of(cls, d: Disclosure, doc_id: str, findings: pd.DataFrame | None, claims: pd.DataFrame | None, report_dir: str,
           version: str, score: dict | None) -> "_Document":
        document = {"doc_id": doc_id, "department": d.department, "year": d.year, "source": d.source,
                    "department_key": department_key(d.department), "unit": d.unit, "report_dir": report_dir,
                    "finacct_version": version, "tables_json": json.dumps(d.tables, ensure_ascii=False), "kind": d.kind,
                    "template": d.template, "score": (score or {}).get("value"),
                    "score_json": json.dumps(score, ensure_ascii=False) if score else None}
        tables = {"facts": d.facts[FACT_COLUMNS]}
        if findings is not None and len(findings):
            tables["findings"] = pd.DataFrame(findings)[FINDING_COLUMNS]
        if claims is not None and len(claims):
            tables["claims"] = pd.DataFrame(claims).reindex(columns=CLAIM_COLUMNS)
        return cls(document, tables)


# How long to wait for a store another process holds (a batch writing, a notebook reading).
LOCK_WAIT = 120.0


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting (with one message) while another process holds its lock."""
    deadline, told = time.monotonic() + wait, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            if not told:
                print(f"finacct: {path} is in use by another process; waiting up to {wait:.0f} s", file=sys.stderr)
                told = True
            time.sleep(0.5)


class Store:
    """The DuckDB corpus. A writer holds the file while it is open (a batch, briefly, at its
    end); a reader (read_only) opens it per query, so a notebook that keeps a Corpus open
    never blocks a batch for longer than one query."""

    def __init__(self, path: str | Path = DEFAULT, read_only: bool = False, wait: float = LOCK_WAIT) -> None:
        self.path, self.wait = Path(path), wait
        self.con: duckdb.DuckDBPyConnection | None = None
        self._pending: list[_Document] | None = None   # a list inside bulk()
        self._pending_rows = 0
        if read_only:
            with self._session():   # fail now, with the reason, if the store cannot be read at all
                pass
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, False, wait)
        self.con.execute(SCHEMA)
        self.con.execute(VIEWS)
        self._columns: dict[str, dict[str, str]] = {t: {} for t in TABLES}
        for table, column, kind in self.con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name IN ? ORDER BY table_name, column_index", [list(TABLES)]).fetchall():
            self._columns[table][column] = kind

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.con is not None:
            if self._pending:
                self._flush()   # a query sees every document added so far
            yield self.con
            return
        con = _connect(self.path, True, self.wait)
        try:
            yield con
        finally:
            con.close()

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, d: Disclosure, doc_id: str, findings: pd.DataFrame | None = None, claims: pd.DataFrame | None = None,
            report_dir: str = "", version: str = "", score: dict | None = None) -> None:
        """Insert one document with its facts, findings, claims and transparency score, replacing
        whatever the store held for the same document: the same bytes (doc_id), or the same
        file name, department, year and kind (a corrected copy) — one row per document. Inside
        bulk() the document is written later, with the others."""
        doc = _Document.of(d, doc_id, findings, claims, report_dir, version, score)
        if self._pending is None:
            self._write([doc])
            return
        self._pending.append(doc)
        self._pending_rows += doc.rows
        if self._pending_rows >= CHUNK_ROWS:
            self._flush()

    @contextmanager
    def bulk(self) -> Iterator["Store"]:
        """Add many documents in a few transactions instead of one each: add() and add_report()
        inside collect documents, written every CHUNK_ROWS rows, before a query and at the end.
        Each document stays atomic; one that cannot be written keeps out only itself and is
        named on stderr."""
        if self.con is None:
            raise ValueError(f"{self.path} is open read-only")
        self._pending, self._pending_rows = [], 0
        try:
            yield self
        finally:
            self._flush(collecting=False)

    def _flush(self, collecting: bool = True) -> None:
        """Write the collected documents in one transaction; if that fails, each in its own.
        Then go on collecting (inside bulk()) or not (at its end)."""
        docs, self._pending, self._pending_rows = self._pending or [], [] if collecting else None, 0
        if not docs:
            return
        try:
            self._write(docs)
        except (duckdb.Error, ValueError, TypeError):
            for doc in docs:
                try:
                    self._write([doc])
                except (duckdb.Error, ValueError, TypeError) as exc:
                    print(f"finacct: {doc.document['report_dir'] or doc.document['doc_id']}: not added to the store "
                          f"({type(exc).__name__}: {exc})", file=sys.stderr)

    def _write(self, docs: list[_Document]) -> None:
        """One transaction: remove what the documents replace (the same doc_id, or the same file
        name, department, year and kind), then insert them; among `docs`, a later document
        replaces an earlier one the same way, as if they had been added one by one."""
        documents = self._typed("documents", pd.DataFrame([doc.document for doc in docs]))
        later = documents.duplicated("doc_id", keep="last") | documents.duplicated(IDENTITY, keep="last")
        kept = [doc for doc, replaced in zip(docs, later) if not replaced]
        self.con.execute("BEGIN")
        try:
            self.con.register("incoming", documents[["doc_id", *IDENTITY]])
            self.con.execute(
                "CREATE TEMP TABLE replaced AS SELECT doc_id FROM incoming UNION SELECT d.doc_id FROM documents d JOIN incoming i "
                "ON d.source = i.source AND d.department_key = i.department_key AND d.year IS NOT DISTINCT FROM i.year "
                "AND coalesce(d.kind, 'final') = i.kind")
            self.con.unregister("incoming")
            for t in TABLES:
                self.con.execute(f"DELETE FROM {t} WHERE doc_id IN (SELECT doc_id FROM replaced)")
            self.con.execute("DROP TABLE replaced")
            self._insert("documents", documents[~later])
            for t in TABLES[1:]:
                if (rows := self._rows(t, kept)) is not None:
                    self._insert(t, rows)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _rows(self, table: str, docs: list[_Document]) -> pd.DataFrame | None:
        """The documents' rows of one table in one frame, each with its doc_id, department and year."""
        parts = [doc for doc in docs if table in doc.tables]
        if not parts:
            return None
        frame = pd.concat([doc.tables[table] for doc in parts], ignore_index=True)
        lengths = [len(doc.tables[table]) for doc in parts]
        for key in ("doc_id", "department", "year"):
            frame[key] = np.repeat(np.array([doc.document[key] for doc in parts], dtype=object), lengths)
        if table == "findings":   # the tables and pages a finding names, as text: "t03,t05", "12,13"
            for col in ("tables", "pages"):
                frame[col] = [",".join(map(str, x)) if isinstance(x, list) else str(x) for x in frame[col]]
        return self._typed(table, frame)

    def _typed(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame in the table's columns, order and types, so documents written together agree
        (a column blank in one document and numeric in the next) and a value that is no number
        fails before anything is written."""
        return pd.DataFrame({c: frame[c].astype("string") if kind == "VARCHAR" else
                             pd.to_numeric(frame[c]).astype("Int64" if kind == "INTEGER" else "float64")
                             for c, kind in self._columns[table].items()})

    def _insert(self, table: str, frame: pd.DataFrame) -> None:
        self.con.register("incoming", frame)
        self.con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        self.con.unregister("incoming")

    def add_report(self, folder: str | Path) -> None:
        """Load a report directory (disclosure.json, findings.json, claims.json, manifest.json)."""
        folder = Path(folder)
        d = Disclosure.from_contract(json.loads((folder / "disclosure.json").read_text(encoding="utf-8")))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        checked = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
        claims = pd.DataFrame(json.loads((folder / "claims.json").read_text(encoding="utf-8")))   # read_json: 4× slower, guesses types
        self.add(d, manifest["source_sha256"], pd.DataFrame(checked["findings"]), claims, str(folder), manifest.get("finacct_version", ""),
                 checked.get("score"))

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._session() as con:
            return con.execute(sql, params or []).df()

    def to_parquet(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for t in TABLES:
            path = folder / f"{t}.parquet"
            with self._session() as con:
                con.execute(f"COPY {t} TO '{path.as_posix()}' (FORMAT PARQUET)")
            out.append(path)
        return out

    def to_datapackage(self, folder: str | Path) -> Path:
        """A Frictionless data package: one CSV per table and datapackage.json describing them."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        types = {"VARCHAR": "string", "INTEGER": "integer", "DOUBLE": "number", "BIGINT": "integer"}
        resources = []
        for t in TABLES:
            path = folder / f"{t}.csv"
            with self._session() as con:
                con.execute(f"COPY {t} TO '{path.as_posix()}' (HEADER, DELIMITER ',')")
                cols = con.execute(f"DESCRIBE {t}").fetchall()
            resources.append({"name": t, "path": path.name, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                              "schema": {"fields": [{"name": c[0], "type": types.get(c[1], "string")} for c in cols]}})
        package = {"name": "finacct-corpus", "title": "部门决算公开 facts, findings and claims (finacct)",
                   "profile": "tabular-data-package", "resources": resources}
        out = folder / "datapackage.json"
        out.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
        return out

    def disclosures(self) -> list["StoredDisclosure"]:
        """Every stored document as a Disclosure (tables and facts; no document text), by
        department and year. One row per document is read now; a document's tables when first
        used, and its facts with those of the next documents (_Facts)."""
        docs = self.query("SELECT doc_id, source, department, year, unit, kind, template, tables_json FROM documents "
                          "ORDER BY department, year, kind, doc_id")
        facts = _Facts(self, docs["doc_id"].tolist())
        return [StoredDisclosure(doc.doc_id, facts, doc.tables_json, source=doc.source, department=doc.department,
                                 year=int(doc.year) if pd.notna(doc.year) else None, unit=doc.unit, kind=doc.kind or "final",
                                 template=doc.template or "local")
                for doc in docs.itertuples()]

    def facts(self, doc_ids: list[str]) -> dict[str, pd.DataFrame]:
        """The facts of those of these documents the store holds, each in the order stored."""
        with self._session() as con:
            frame = con.execute('SELECT doc_id, "table", "row", col, value, page, label FROM facts WHERE doc_id = ANY(?) '
                                "ORDER BY doc_id, rowid", [doc_ids]).df()
            held = [r[0] for r in con.execute("SELECT doc_id FROM documents WHERE doc_id = ANY(?)", [doc_ids]).fetchall()]
        # each document's rows are one run: slices of one frame, not a copy per document
        spans = {i: slice(rows[0], rows[-1] + 1) for i, rows in frame.groupby("doc_id", sort=False).indices.items()}
        facts = frame.drop(columns="doc_id")
        return {i: facts.iloc[spans.get(i, slice(0))].reset_index(drop=True) for i in held}


class _Facts:
    """Reads the facts of an opened corpus's documents on demand, a window at a time."""

    def __init__(self, store: Store, doc_ids: list[str]) -> None:
        self.store, self.doc_ids = store, doc_ids
        self.position = {d: i for i, d in enumerate(doc_ids)}
        self.unread = set(doc_ids)
        self.read_ahead: dict[str, pd.DataFrame] = {}
        self.window, self.next = WINDOW, -1

    def read(self, doc_id: str) -> pd.DataFrame:
        if doc_id not in self.read_ahead:
            i = self.position[doc_id]
            self.window = min(2 * self.window, MAX_WINDOW) if i == self.next else WINDOW
            self.next = i + self.window
            window = [doc_id, *(d for d in self.doc_ids[i + 1:self.next] if d in self.unread)]
            self.unread.difference_update(window)
            self.read_ahead.update(self.store.facts(window))
        if doc_id not in self.read_ahead:
            raise LookupError(f"{self.store.path}: document {doc_id} was replaced since the corpus was opened; open it again")
        return self.read_ahead.pop(doc_id)


class _Lazy:
    """A field of a StoredDisclosure read when first used: load(disclosure) gives its value."""

    def __init__(self, load: Callable[["StoredDisclosure"], Any]) -> None:
        self.load = load

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, d: "StoredDisclosure | None", owner: type | None = None) -> Any:
        if d is None:
            return self
        if getattr(d, self.slot) is None:
            setattr(d, self.slot, self.load(d))
        return getattr(d, self.slot)

    def __set__(self, d: "StoredDisclosure", value: Any) -> None:
        setattr(d, self.slot, value)


class StoredDisclosure(Disclosure):
    """A document of the store (Store.disclosures, Corpus.open): its tables and facts are read
    the first time they are used, so opening a corpus of 10,000 documents reads 10,000 rows,
    not millions of facts."""

    facts = _Lazy(lambda d: d._reader.read(d.doc_id))
    tables = _Lazy(lambda d: json.loads(d._tables_json or "{}"))

    def __init__(self, doc_id: str, facts: _Facts, tables_json: str | None, **fields: Any) -> None:
        self.doc_id, self._reader, self._tables_json = doc_id, facts, tables_json
        super().__init__(facts=None, tables=None, **fields)
