"""How the corpus store grows: synthetic stores of 100, 1,000 (and 10,000) documents made from
the embedded sample, timed for the bulk write, Corpus.open, reading documents' facts and the
README's and overview's queries.

    python bench/store.py [--sizes 100 1000 10000]      (default 100 1000; 10,000 takes a few minutes)

Documents are the sample's facts perturbed (a factor per document, ±3% per value) under other
departments and years, with its findings and claims; a quarter of the department-years also get
a budget (the final's t05 as b05, 三公 预算 as b09), so budget_execution joins. Each timing is shown
beside a baseline measured in the same run, on the same store:
- writes: the same facts written by DuckDB from one pandas frame into a fresh file;
- reads: opening the store read-only and running `SELECT 1` (what every reader query pays),
  and, for reading facts, `SELECT * FROM facts` into pandas.
Goal: Corpus.open and each query under 1 s at 1,000 documents."""
from __future__ import annotations

import argparse
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from timing import best, ratio, seconds

import finacct
from finacct import check
from finacct.model import Disclosure
from finacct.narrative import claims
from finacct.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "changchun_gov_office_2023.txt"
YEARS = range(2019, 2024)
PLACES = ["长春市", "吉林市", "四平市", "辽源市", "通化市", "白山市", "松原市", "白城市", "延边州", "普陀区", "黄浦区", "徐汇区",
          "长宁区", "静安区", "虹口区", "杨浦区", "闵行区", "宝山区", "嘉定区", "浦东新区"]
OFFICES = ["人民政府办公厅", "财政局", "教育局", "卫生健康委员会", "民政局", "司法局", "审计局", "统计局", "生态环境局", "交通运输局",
           "水务局", "农业农村委员会", "商务委员会", "文化和旅游局", "体育局", "应急管理局", "市场监督管理局", "医疗保障局",
           "退役军人事务局", "规划和自然资源局"]
QUERIES = {
    "三公 by department and year (sangong view)":
        "SELECT department, year, coalesce(actual, 0) AS 三公经费决算 FROM sangong WHERE kind = 'final' AND item = 'total' ORDER BY 1, 2",
    "budget_execution, 类": "SELECT * FROM budget_execution WHERE level = '类'",
    "budget_execution, 项 (completion_distribution)":
        "SELECT department, year, code, label, rate_pct FROM budget_execution WHERE level = '项'",
    "overview.scores (overview notebook)": "SELECT * FROM scores",
    "score ranking (documents)": "SELECT department, year, kind, score FROM documents WHERE score IS NOT NULL",
}


def documents(n: int, rng: np.random.Generator) -> Iterator[tuple[Disclosure, pd.DataFrame | None, pd.DataFrame | None]]:
    """n documents (finals, and a budget for every fourth department-year) from the sample."""
    sample = finacct.load(SAMPLE)
    findings, said = check(sample), claims.frame(sample.claims)
    base, values = sample.facts.reset_index(drop=True), sample.facts["value"].to_numpy()
    t05, t09 = base["table"] == "t05", (base["table"] == "t09") & (base["row"] == "budget")
    budget_facts = base[t05 | t09].assign(table=np.where(base.loc[t05 | t09, "table"] == "t05", "b05", "b09"))
    budget_tables = {"b05": sample.tables["t05"], "b09": sample.tables["t09"]}
    made = 0
    for i in range(n):
        department = f"{PLACES[i % len(PLACES)]}{OFFICES[i // len(PLACES) % len(OFFICES)]}" + (f"{i // 400}" if i >= 400 else "")
        for year in YEARS:
            factor = float(np.exp(rng.normal(0, 0.5)))
            scaled = np.round(values * factor * (1 + rng.normal(0, 0.03, len(values))), 2)
            yield (Disclosure(source=f"{department}_{year}.pdf", department=department, year=year, unit=sample.unit,
                              tables=sample.tables, facts=base.assign(value=scaled)),
                   findings, said.assign(amount=said["amount"] * factor))
            made += 1
            if made < n and (i + year) % 4 == 0:
                yield (Disclosure(source=f"{department}_{year}_budget.pdf", department=department, year=year, unit=sample.unit,
                                  kind="budget", template="shanghai_budget", tables=budget_tables,
                                  facts=budget_facts.assign(value=np.round(budget_facts["value"] * factor * 0.97, 2))),
                       None, None)
                made += 1
            if made == n:
                return


def row(n: int, what: str, took: float, baseline: float, name: str) -> None:
    print(f"{n:>6} | {what:<52} | {took:8.3f} s | {ratio(took, baseline, '8.1f', '×')} {name}")


def doc_id(i: int) -> str:
    """A document's id as a batch gives it, the SHA-256 of its bytes: ids in no order, as in a real store."""
    return hashlib.sha256(f"document {i}".encode()).hexdigest()


def write(path: Path, docs: list[tuple[Disclosure, pd.DataFrame | None, pd.DataFrame | None]], bulk: bool = True) -> None:
    with Store(path) as s, s.bulk() if bulk else nullcontext():
        for i, (d, findings, said) in enumerate(docs):
            s.add(d, doc_id(i), findings, said, report_dir=f"reports/{i}", version="bench", score={"value": 60.0 + i % 40})


def write_plain(path: Path, facts: pd.DataFrame) -> None:
    with duckdb.connect(str(path)) as con:
        con.register("incoming", facts)
        con.execute("CREATE OR REPLACE TABLE facts AS SELECT * FROM incoming")


def select_1(path: Path) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SELECT 1").fetchall()


def bench_writes(n: int, folder: Path) -> Path:
    docs = list(documents(n, np.random.default_rng(n)))
    path = folder / f"store-{n}.duckdb"
    facts = pd.concat([d.facts for d, _, _ in docs], ignore_index=True)
    wrote, plain = seconds(lambda: write(path, docs)), seconds(lambda: write_plain(folder / f"plain-{n}.duckdb", facts))
    rows = Store(path, read_only=True).query("SELECT (SELECT count(*) FROM facts) + (SELECT count(*) FROM findings) "
                                             "+ (SELECT count(*) FROM claims) AS n")["n"][0]
    row(n, f"bulk write ({rows:,} rows)", wrote, plain, f"DuckDB writing the {len(facts):,} facts from one frame")
    if n <= 100:   # the batch's writes before bulk(): one transaction per document
        row(n, "add() outside bulk(), a transaction per document", seconds(lambda: write(folder / f"serial-{n}.duckdb", docs, False)),
            plain, "DuckDB writing the facts")
    return path


def bench_reads(n: int, path: Path) -> None:
    select1 = best(lambda: select_1(path))
    read_all = best(lambda: Store(path, read_only=True).query("SELECT * FROM facts"), runs=2)
    print(f"{n:>6} | {'baseline: open read-only + SELECT 1':<52} | {select1:8.3f} s |")
    print(f"{n:>6} | {'baseline: SELECT * FROM facts into pandas':<52} | {read_all:8.3f} s |")
    row(n, "Corpus.open", best(lambda: finacct.Corpus.open(path), runs=3), select1, "SELECT 1")
    middle = finacct.Corpus.open(path).disclosures[n // 2]
    row(n, "Corpus.open + one document's t05 (its facts read)",
        best(lambda: finacct.Corpus.open(path).find(middle.department, middle.year).table("t05"), runs=3), select1, "SELECT 1")
    corpus = finacct.Corpus.open(path)
    walk = seconds(lambda: sum(len(d.facts) for d in corpus.disclosures))
    row(n, "every document's facts, walked once", walk, read_all, "SELECT * FROM facts")
    for name, sql in QUERIES.items():
        row(n, name, best(lambda sql=sql: corpus.query(sql), runs=3), select1, "SELECT 1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="documents per store (default: 100 1000)")
    sizes = ap.parse_args().sizes
    print(f"{'docs':>6} | {'step':<52} | {'time':>10} | ratio to the baseline")
    with tempfile.TemporaryDirectory(prefix="finacct-bench-store-") as tmp:
        for n in sizes:
            bench_reads(n, bench_writes(n, Path(tmp)))


if __name__ == "__main__":
    main()
