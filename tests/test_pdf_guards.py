"""Long PDFs read in bounded memory: PDFium's document reopened every few pages, and the pages
that may hold a table spilled to a temporary file past a few, read exactly as when held."""
from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path

import pytest
from conftest import corpus_file

import finacct
from finacct.extract import pdf

load_module = importlib.import_module("finacct.load")   # finacct.load is also the function


def _pages(path: Path) -> list[tuple]:
    return [(p.number, p.width, p.height, p.words, p.rules, p.vrules) for p in pdf.iter_pages(path)]


def test_reopening_the_document_reads_the_same_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    path = corpus_file("putuo_finance_2024.pdf")
    whole = _pages(path)
    monkeypatch.setattr(pdf, "REOPEN", 4)
    assert _pages(path) == whole


def test_table_pages_spilled_to_disk_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    path = corpus_file("chongqing_swu_university_2023_budget.pdf")
    held = finacct.load(path).to_contract()
    monkeypatch.setattr(load_module, "HELD_PAGES", 2)
    with tempfile.TemporaryFile() as spill:
        pages = load_module._Pages(pdf.iter_pages(path), spill)
        assert spill.seek(0, os.SEEK_END) > 0 and sum(pages[i] is not None for i in range(len(pages))) > 10
    assert finacct.load(path).to_contract() == held
