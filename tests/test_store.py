"""The store under real use: a corrected document replaces its row, a reader holding the store
open never blocks a writer, two writers at once both land every write, many documents go in as
one bulk write, and a corpus opened on a store of many documents gives each its own facts."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

import finacct
from finacct import Corpus, overview, store
from finacct.model import Disclosure
from finacct.store import Store

GRAND_TOTAL = """SELECT count(DISTINCT doc_id) AS docs, sum(value) AS total FROM facts
WHERE "table" = 't01' AND "row" = 'exp.grand_total'"""

WRITER = """
import sys, time, finacct
from finacct.store import Store
d = finacct.load(sys.argv[2])
for i in range(int(sys.argv[3])):
    d.source = f"{sys.argv[4]}-{i}.txt"
    with Store(sys.argv[1]) as s:
        s.add(d, f"{sys.argv[4]}-{i}")
        time.sleep(0.05)
"""


def test_a_corrected_document_replaces_its_row(tmp_path: Path) -> None:
    d = finacct.load(SAMPLE)
    with Store(tmp_path / "s.duckdb") as s:
        s.add(d, "bytes-before")
        s.add(d, "bytes-after")      # same file name, department, year and kind: a corrected copy
        row = s.query(GRAND_TOTAL).iloc[0]
    assert (row["docs"], round(row["total"], 2)) == (1, 6901.84)


def test_reader_open_and_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        s.add(finacct.load(SAMPLE), "seed")
    reader = Corpus.open(path)                 # a notebook keeps this open throughout
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(SAMPLE), "4", name], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    while any(w.poll() is None for w in writers):
        assert len(reader.query("SELECT doc_id FROM documents")) >= 1   # reading while they write
        time.sleep(0.1)
    for w in writers:
        assert w.returncode == 0, w.stderr.read()
    ids = set(reader.query("SELECT doc_id FROM documents")["doc_id"])
    assert ids == {"seed", *(f"{n}-{i}" for n in "ab" for i in range(4))}


def _scaled(d: Disclosure, department: str, year: int, factor: int) -> Disclosure:
    """The sample as another department's document of another year, every value times factor."""
    return Disclosure(source=f"{department}_{year}.txt", department=department, year=year, unit=d.unit, tables=d.tables,
                      facts=d.facts.assign(value=(d.facts["value"] * factor).round(2)))


def test_corpus_open_gives_each_of_many_documents_its_own_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = finacct.load(SAMPLE)
    docs = {(dept, year): _scaled(d, dept, year, factor) for factor, (dept, year) in enumerate(
        [(dept, year) for dept in ("财政局", "教育局", "民政局") for year in (2022, 2023)], start=1)}
    with Store(tmp_path / "s.duckdb") as s, s.bulk():
        for (dept, year), doc in docs.items():
            s.add(doc, f"{dept}-{year}")
    monkeypatch.setattr(store, "WINDOW", 2)
    reads, read = [], Store.facts
    monkeypatch.setattr(Store, "facts", lambda self, ids: reads.append(len(ids)) or read(self, ids))
    corpus = Corpus.open(tmp_path / "s.duckdb")
    assert [(x.department, x.year) for x in corpus.disclosures] == sorted(docs)
    got = {(x.department, x.year): (x.value("t01", "exp.grand_total", "amount"), x.value("t09", "actual", "total"),
                                    x.table("t05").set_index("row").loc["total", "basic"]) for x in corpus.disclosures}
    assert got == {("财政局", 2022): (6901.84, 3.66, 4771.53), ("财政局", 2023): (13803.68, 7.32, 9543.06),
                   ("教育局", 2022): (20705.52, 10.98, 14314.59), ("教育局", 2023): (27607.36, 14.64, 19086.12),
                   ("民政局", 2022): (34509.2, 18.3, 23857.65), ("民政局", 2023): (41411.04, 21.96, 28629.18)}
    assert reads == [2, 4]                       # two documents, then, reading on in order, the next four
    first = corpus.find("财政局", 2022)
    assert first.facts[["table", "row", "col", "page"]].values.tolist() == d.facts[["table", "row", "col", "page"]].values.tolist()
    assert corpus.prior(corpus.find("民政局", 2023)).doc_id == "民政局-2022"
    sangong = corpus.query("SELECT department, year, budget, actual FROM sangong WHERE item = 'total' ORDER BY 1, 2")
    assert sangong.round(2).values.tolist()[:2] == [["教育局", 2022, 130.11, 10.98], ["教育局", 2023, 173.48, 14.64]]
    ranked = overview.scores(corpus)[["department", "year", "收入支出总计", "三公经费决算"]]
    assert ranked.round(2).values.tolist()[:2] == [["教育局", 2022, 20705.52, 10.98], ["教育局", 2023, 27607.36, 14.64]]


def test_a_document_replaced_after_the_corpus_was_opened_is_named_not_emptied(tmp_path: Path) -> None:
    d = finacct.load(SAMPLE)
    with Store(tmp_path / "s.duckdb") as s:
        s.add(d, "before")
    corpus = Corpus.open(tmp_path / "s.duckdb")
    with Store(tmp_path / "s.duckdb") as s:
        s.add(d, "after")                        # a corrected copy replaces "before"
    with pytest.raises(LookupError, match="before was replaced since the corpus was opened"):
        corpus.disclosures[0].table("t01")
    assert Corpus.open(tmp_path / "s.duckdb").disclosures[0].value("t01", "exp.grand_total", "amount") == 6901.84


def test_bulk_write_replaces_like_one_by_one_and_keeps_a_bad_document_out_alone(tmp_path: Path, capsys) -> None:
    d = finacct.load(SAMPLE)
    with Store(tmp_path / "s.duckdb") as s:
        s.add(d, "stored")
    bad = _scaled(d, "审计局", 2023, 1)
    bad.facts = bad.facts.assign(value=bad.facts["value"].astype(object))
    bad.facts.loc[0, "value"] = "一千"            # no number: this document cannot be stored
    with Store(tmp_path / "s.duckdb") as s, s.bulk():
        s.add(d, "corrected")                    # same file, department, year and kind as "stored"
        s.add(_scaled(d, "财政局", 2023, 2), "first")
        s.add(_scaled(d, "财政局", 2023, 3), "first-corrected")
        s.add(bad, "bad")
        assert s.query("SELECT count(*) AS n FROM documents")["n"][0] == 2   # a query sees what was added
        s.add(_scaled(d, "教育局", 2023, 4), "later")
        s.add(_scaled(d, "教育局", 2023, 5), "later")   # the same bytes again: the last one counts
    assert "finacct: bad: not added to the store (ValueError" in capsys.readouterr().err
    rows = Store(tmp_path / "s.duckdb", read_only=True).query(
        """SELECT doc_id, value FROM facts WHERE "table" = 't01' AND "row" = 'exp.grand_total' ORDER BY doc_id""")
    assert rows.values.tolist() == [["corrected", 6901.84], ["first-corrected", 20705.52], ["later", 34509.2]]
