"""The store under real use: a corrected document replaces its row, a reader holding the store
open never blocks a writer, and two writers at once both land every write."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, SAMPLE

import finacct
from finacct import Corpus
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
