"""Words and rulings from a PDF's text layer: word starts decided for all characters at once
are those found walking character by character, and rulings are read only on the pages asked
for, the same as when every page's are read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
import pytest
from conftest import corpus_file
from pikepdf import Array, Dictionary, Name

from finacct.extract import pdf
from finacct.tables.locate import may_hold_table


def _characters(rng: np.random.Generator, k: int) -> tuple[np.ndarray, ...]:
    """k characters along lines as producers print them: mostly one baseline and touching
    boxes, with narrow glyphs, baselines nudged a little or drifting, kerning back, spacing apart, a
    line break, a character missing from the text, a box reaching past the next glyph's, and
    now and then a box without a width (NaN)."""
    size = rng.choice([9.0, 10.5, 12.0], k)
    width = size * rng.choice([0.1, 0.25, 0.5, 1.0, 1.0, 1.0], k)
    step = rng.choice([0.0] * 6 + [0.02, 0.2, -0.3, -0.45, 0.4, 8.0], k) * size
    x0 = np.cumsum(width + step) - width
    x1 = x0 + width + size * rng.choice([0.0] * 8 + [0.3, 0.45, 2.0], k)
    base = 700 + np.cumsum(rng.choice([0.0] * 10 + [0.005, -0.005, 0.2, -0.2, 1.4], k) * size)
    chars = np.cumsum(rng.choice([1] * 15 + [2], k)) + 3
    x1[rng.random(k) < 0.02] = np.nan   # a glyph without a width
    return chars, x0, x1, base, size


def test_word_starts_decided_at_once_are_those_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    walked = []
    walk = pdf._walk
    monkeypatch.setattr(pdf, "_walk", lambda *args: walked.append(args[-1]) or walk(*args))
    for seed in range(300):
        rng = np.random.default_rng(seed)
        chars, x0, x1, base, size = _characters(rng, int(rng.integers(1, 400)))
        assert pdf._starts(chars, x0, x1, base, size) == walk(chars, x0, x1, base, size, 0), seed
    assert 0 < len(walked) < 300   # both ways taken: pages where every word is even, and pages where one is not (or a NaN)
    assert any(begin > 0 for begin in walked)   # and the walk taken up from a word past the first


def test_rulings_read_only_on_the_pages_asked_are_the_same() -> None:
    path = corpus_file("putuo_wanli_street_2024_budget.pdf")
    every = list(pdf.iter_pages(path))
    asked = list(pdf.iter_pages(path, ruled=may_hold_table))
    tables = [may_hold_table(p.lines) for p in every]
    assert 0 < sum(tables) < len(every)   # this budget has pages of prose and pages of tables
    for page, again, table in zip(every, asked, tables):
        assert again.words == page.words
        assert (again.rules, again.vrules) == ((page.rules, page.vrules) if table else ([], []))
    assert sum(bool(p.rules) for p in asked) > 10


def test_rulings_come_in_drawing_order_through_forms(tmp_path: Path) -> None:
    """A page draws a ruling, a form with two, another ruling: the walk keeps that order."""
    doc = pikepdf.new()
    form = doc.make_indirect(pikepdf.Stream(doc, b"50 700 m 550 700 l S 50 600 m 550 600 l S"))
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 600, 800])
    doc.pages.append(pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 600, 800]), Resources=Dictionary(XObject=Dictionary(Fm0=form)),
                                             Contents=doc.make_stream(b"50 750 m 550 750 l S /Fm0 Do 50 500 m 550 500 l S"))))
    path = tmp_path / "form.pdf"
    doc.save(path)
    page, = pdf.iter_pages(path)
    assert [round(y) for y, _, _ in page.rules] == [50, 100, 200, 300]   # top-down: 750, 700, 600, 500
