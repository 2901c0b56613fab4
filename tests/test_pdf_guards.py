"""Long PDFs read in bounded memory: PDFium's document reopened every few pages, and the pages
that may hold a table spilled to a temporary file past a few, read exactly as when held. The
form guard's counts are kept for what decides them: a form's XObjects, and the page only where
a form looks there."""
from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path

import pikepdf
import pytest
from conftest import corpus_file
from pikepdf import Array, Dictionary, Name, Stream

import finacct
from finacct.errors import UnreadableError
from finacct.extract import guard, pdf

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


def _form(doc: pikepdf.Pdf, content: bytes, resources: Dictionary | None = None) -> Stream:
    form = doc.make_indirect(Stream(doc, content))
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 1, 1])
    if resources is not None:
        form.Resources = resources
    return form


def _self_drawing(doc: pikepdf.Pdf) -> Stream:
    form = _form(doc, b"/G Do /G Do", Dictionary(XObject=Dictionary()))
    form.Resources.XObject.G = form
    return form


def _save(doc: pikepdf.Pdf, path: Path, *pages: tuple[bytes, Dictionary]) -> Path:
    for content, xobjects in pages:
        doc.pages.append(pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 100, 100]),
                                                 Contents=doc.make_stream(content), Resources=Dictionary(XObject=xobjects))))
    doc.save(path)
    return path


@pytest.mark.parametrize("second", ["leaf", "bomb"])
def test_a_form_count_that_looks_in_the_page_is_not_reused_on_another_page(tmp_path: Path, second: str) -> None:
    """Both pages draw form A, whose form B (resources without XObjects) draws /X from the page:
    a harmless form on page 1, on page 2 a leaf again or a form drawing itself."""
    doc = pikepdf.new()
    b = _form(doc, b"/X Do /X Do", Dictionary(Font=Dictionary()))
    a = _form(doc, b"/B Do", Dictionary(XObject=Dictionary(B=b)))
    leaf = _form(doc, b"0 0 1 1 re f")
    path = _save(doc, tmp_path / "pages.pdf", (b"/A Do", Dictionary(A=a, X=leaf)),
                 (b"/A Do", Dictionary(A=a, X=leaf if second == "leaf" else _self_drawing(doc))))
    if second == "leaf":
        guard.check_forms(path)
    else:
        with pytest.raises(UnreadableError, match="page 2 draws form XObjects within each other"):
            guard.check_forms(path)


def test_a_form_count_that_does_not_look_in_the_page_serves_every_page(tmp_path: Path) -> None:
    doc = pikepdf.new()
    a = _form(doc, b"/L Do /L Do", Dictionary(XObject=Dictionary(L=_form(doc, b"0 0 1 1 re f"))))
    path = _save(doc, tmp_path / "pages.pdf", *[(b"/A Do", Dictionary(A=a)) for _ in range(3)])
    f, memo = guard._File(path.read_bytes()), {}
    counts = [f.forms(page.get("Contents"), x := f.xobjects(res), 0, memo, x)[0] for page, res in f.pages()]
    assert counts == [3, 3, 3] and len(memo) == 2    # A and its leaf, counted once for the three pages


def test_a_form_with_empty_resources_draws_from_the_page_not_from_its_drawer(tmp_path: Path) -> None:
    """A (resources: an empty dictionary) draws /X; PDFium takes the empty dictionary as A's own,
    finds no XObject there and looks in the page's, where /X fans out ten-fold over six levels
    (its drawer P names only a leaf /X): refused. With no resources at all, A draws P's leaf."""
    def fan(doc: pikepdf.Pdf) -> Stream:
        form = _form(doc, b"0 0 1 1 re f")
        for _ in range(6):
            form = _form(doc, b"/Y Do " * 10, Dictionary(XObject=Dictionary(Y=form)))
        return form

    for empty in (True, False):
        doc = pikepdf.new()
        a = _form(doc, b"/X Do", Dictionary() if empty else None)
        p = _form(doc, b"/A Do", Dictionary(XObject=Dictionary(A=a, X=_form(doc, b"0 0 1 1 re f"))))
        path = _save(doc, tmp_path / f"empty-{empty}.pdf", (b"/P Do", Dictionary(P=p, X=fan(doc))))
        if empty:
            with pytest.raises(UnreadableError, match="page 1 draws form XObjects within each other"):
                guard.check_forms(path)
        else:
            guard.check_forms(path)
