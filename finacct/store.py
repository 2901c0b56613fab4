"""The corpus store: one DuckDB file (reports/finacct.duckdb by default) holding every fact,
finding and narrative claim with department, year and source, so one SQL query answers a
question across departments and years. Exports to Parquet and to a Frictionless data package."""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from finacct.corpus import department_key
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
# 预算 vs 决算 per department, year and 功能分类 line, in 万元: the budget's b05 against the
# final's t05 (both 一般公共预算, or both all appropriations in the university set).
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
"""
TABLES = ("documents", "facts", "findings", "claims")
FINDING_COLUMNS = ["rule", "status", "tables", "row", "col", "expected", "actual", "diff", "tolerance", "pages", "message"]
CLAIM_COLUMNS = ["page", "key", "item", "amount", "budget", "change", "change_pct", "share_pct", "rate_pct", "prior", "sentence"]


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
        if read_only:
            with self._session():   # fail now, with the reason, if the store cannot be read at all
                pass
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, False, wait)
        self.con.execute(SCHEMA)
        self.con.execute(VIEWS)

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.con is not None:
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
        file name, department, year and kind (a corrected copy) — one row per document."""
        meta = {"doc_id": doc_id, "department": d.department, "year": d.year}
        self.con.execute("BEGIN")
        same = [r[0] for r in self.con.execute(
            "SELECT doc_id FROM documents WHERE doc_id = ? OR (source = ? AND department_key = ? AND year IS NOT DISTINCT FROM ? "
            "AND coalesce(kind, 'final') = ?)", [doc_id, d.source, department_key(d.department), d.year, d.kind]).fetchall()]
        for t in TABLES:
            for old in same or [doc_id]:
                self.con.execute(f"DELETE FROM {t} WHERE doc_id = ?", [old])
        self.con.execute("INSERT INTO documents (doc_id, source, department, department_key, year, unit, report_dir, "
                         "finacct_version, tables_json, kind, template, score, score_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [doc_id, d.source, d.department, department_key(d.department), d.year, d.unit, report_dir, version,
                          json.dumps(d.tables, ensure_ascii=False), d.kind, d.template, (score or {}).get("value"),
                          json.dumps(score, ensure_ascii=False) if score else None])
        self._append("facts", d.facts[FACT_COLUMNS].assign(**meta), ["doc_id", "department", "year", *FACT_COLUMNS])
        if findings is not None and len(findings):
            f = pd.DataFrame(findings)[FINDING_COLUMNS].copy()
            f["tables"] = f["tables"].map(lambda x: ",".join(x) if isinstance(x, list) else str(x))
            f["pages"] = f["pages"].map(lambda x: ",".join(map(str, x)) if isinstance(x, list) else str(x))
            self._append("findings", f.assign(**meta), ["doc_id", "department", "year", *FINDING_COLUMNS])
        if claims is not None and len(claims):
            self._append("claims", pd.DataFrame(claims).reindex(columns=CLAIM_COLUMNS).assign(**meta),
                         ["doc_id", "department", "year", *CLAIM_COLUMNS])
        self.con.execute("COMMIT")

    def _append(self, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
        frame = frame[columns]
        self.con.register("incoming", frame)
        self.con.execute(f"INSERT INTO {table} SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM incoming")
        self.con.unregister("incoming")

    def add_report(self, folder: str | Path) -> None:
        """Load a report directory (disclosure.json, findings.json, claims.json, manifest.json)."""
        folder = Path(folder)
        d = Disclosure.from_contract(json.loads((folder / "disclosure.json").read_text(encoding="utf-8")))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        checked = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
        claims = pd.read_json(folder / "claims.json") if (folder / "claims.json").stat().st_size > 2 else None
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

    def disclosures(self) -> list[Disclosure]:
        """Every stored document as a Disclosure (tables and facts; no document text)."""
        docs = self.query("SELECT * FROM documents ORDER BY department, year")
        facts = self.query('SELECT doc_id, "table", "row", col, value, page, label FROM facts')
        out = []
        for doc in docs.itertuples():
            f = facts[facts["doc_id"] == doc.doc_id].drop(columns="doc_id").reset_index(drop=True)
            out.append(Disclosure(source=doc.source, department=doc.department, year=int(doc.year) if pd.notna(doc.year) else None,
                                  unit=doc.unit, kind=doc.kind or "final", template=doc.template or "local",
                                  tables=json.loads(doc.tables_json or "{}"), facts=f))
        return out
