"""load(path) -> Disclosure: detect the source, read its tables, key them canonically."""
from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pandas as pd

from finacct.errors import UnreadableError
from finacct.extract import detect, pdf, textdump
from finacct.extract.layout import Line
from finacct.model import FACT_COLUMNS, OCR_COLUMNS, Disclosure
from finacct.tables import canonical, confidence, grid, locate, meta, performance, sequence
from finacct.tables.specs import DECLARED_EMPTY, SAYS_EMPTY, Template, choose_template


def load(path: str | Path) -> Disclosure:
    """Read a disclosure: a PDF with a text layer, a text dump, or finacct's own xlsx or JSON."""
    path = Path(path)
    kind = detect.kind(path)
    if kind == "xlsx":
        from finacct.extract import xlsx
        return xlsx.read(path)
    if kind == "json":
        from finacct.extract import contract
        return contract.read(path)
    return _load_pdf(path) if kind == "pdf" else _load_text(path)


def _withhold_unreadable(d: Disclosure, template: Template, found: dict[str, list[int]],
                         facts: dict[str, list[dict]]) -> set[str]:
    """A table whose own identities fail wholesale was not read as printed: its facts are
    withheld (status stays what was seen) rather than reported as misplaced numbers."""
    withheld = set()
    for t, rows in facts.items():
        share, bad = confidence.unreadable(template.tables[t], rows)
        d.tables[t] = {"confidence": share}
        if bad:
            d.warnings.append(f"{t} ({template.name_of(t)}) p{found[t][0]}: unreadable — only {share:.0%} of its own "
                              f"identities hold, so its layout was not understood; its {len(rows)} values are withheld")
            d.tables[t]["unreadable"] = True
            facts[t] = []
            withheld.add(t)
    return withheld


def _finish(d: Disclosure, template: Template, found: dict[str, list[int]], facts: dict[str, list[dict]],
            texts: dict[str, str], units: dict[str, str] | None = None) -> Disclosure:
    """Facts, statuses, pages and notes of every table; `units`: the tables printed in another
    unit than the document's (their values already converted)."""
    withheld = _withhold_unreadable(d, template, found, facts)
    rows = [f for t in template.ids for f in facts.get(t, [])]
    d.facts = pd.DataFrame(rows, columns=FACT_COLUMNS + [c for c in OCR_COLUMNS if any(c in r for r in rows)])
    for t in template.ids:
        name = template.name_of(t)
        if t not in found:
            d.tables[t] = {"status": template.status_if_absent(t), "pages": []}
            if t in template.tables:
                d.warnings.append(f"{t} ({name}) not found")
        else:
            present = bool(facts.get(t)) or t in withheld
            d.tables[t] = {"status": "present" if present else "declared_empty", "pages": found[t], **d.tables.get(t, {})}
            if units and t in units:
                d.tables[t]["unit"] = units[t]
            statement = (SAYS_EMPTY if present else DECLARED_EMPTY).search(texts.get(t, ""))
            if statement:  # on a table with amounts, a template note left in (checked as completeness.empty_note)
                d.tables[t]["statement"] = statement.group(0)
            elif not present:
                d.warnings.append(f"{t} ({name}) is printed without any amount and without a statement that it is empty")
    return d


def _template(name: str, lines: list[str]) -> Template:
    """The document's template from its titles; a text that prints no known table title is
    not a disclosure at all. Each title once: running heads and the 目录 repeat them."""
    titles = list(dict.fromkeys(t for ln in lines if (t := locate.title_text(ln))))
    template = choose_template(titles)
    if not any(template.match_title(t) for t in titles):
        raise UnreadableError(f"{name}: no table of a 部门决算 or 部门预算 disclosure found (not a disclosure, or a template finacct does not know)")
    return template


def _disclosure(name: str, lines: list[str], text: list[tuple[int, str]]) -> tuple[Disclosure, Template]:
    template = _template(name, lines)
    d = Disclosure(source=name, department=meta.department(lines), year=meta.year(lines, template.kind),
                   unit=meta.unit(lines), kind=template.kind, template=template.name, text=text)
    return d, template


def _in_document_unit(d: Disclosure, tid: str, unit: str | None, facts: list[dict]) -> list[dict]:
    """Values of a table printed in another unit (a 三公 table in 万元 in a budget in 元),
    converted to the document's; the table's entry says what was printed."""
    if not unit or unit == d.unit or unit not in meta.UNIT_FACTOR or d.unit not in meta.UNIT_FACTOR:
        return facts
    factor = meta.unit_ratio(unit, d.unit)
    d.warnings.append(f"{tid} is printed in {unit}; its values are converted to the document's {d.unit} (×{factor:g})")
    return [{**f, "value": round(f["value"] * factor, 6), **({"proposed": round(f["proposed"] * factor, 6)} if "proposed" in f else {})}
            for f in facts]


# Pages that may hold a table wait for the template, known only once every title is read; past
# this many they wait in a temporary file.
HELD_PAGES = 50


class _Pages:
    """A PDF read as a stream of pages: every line's text (page number, text), the characters
    read, and by index the pages on which a table can be printed (locate.may_hold_table), None
    for the others, which are let go as soon as they are read. A table can take pages from
    anywhere in the document, so those are kept until all are read: the first HELD_PAGES in
    memory, the rest pickled to `spill` and read back when asked for, so memory does not grow
    with the document's length."""

    def __init__(self, pages: Iterable[pdf.Page], spill: IO[bytes]) -> None:
        self.text: list[tuple[int, str]] = []
        self.chars = 0
        self._pages: list[pdf.Page | int | None] = []   # a page held, where a spilled one starts, or None
        self._held = 0
        self._spill = spill
        spill.truncate(0)
        for page in pages:
            self.chars += sum(len(w.text) for w in page.words)
            self.text += [(page.number, ln.text) for ln in page.lines]
            self._add(page if locate.may_hold_table(page.lines) else None)

    def _add(self, page: pdf.Page | None) -> None:
        if page is None or self._held < HELD_PAGES:
            self._held += page is not None
            self._pages.append(page)
            return
        self._spill.seek(0, os.SEEK_END)
        self._pages.append(self._spill.tell())
        pickle.dump(page, self._spill, pickle.HIGHEST_PROTOCOL)

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, i: int) -> pdf.Page | None:
        page = self._pages[i]
        if not isinstance(page, int):
            return page
        self._spill.seek(page)
        return pickle.load(self._spill)

    def lines(self) -> Iterator[list[Line]]:
        """Each page's lines in turn (none for a page that holds no table), one page read back at a time."""
        for i in range(len(self)):
            page = self[i]
            yield page.lines if page else []


def _load_pdf(path: Path) -> Disclosure:
    detect.check_pdf_complete(path)
    with tempfile.TemporaryFile() as spill:
        pages = _Pages(pdf.iter_pages(path, ruled=locate.may_hold_table), spill)
        scanned = detect.needs_ocr(pages.chars, len(pages))
        if scanned:  # images only: read by OCR (the ocr extra), every fact marked and checked
            from finacct.extract import ocr
            del pages   # the text layer's pages go before OCR reads its own
            pages = _Pages(ocr.read_pages(path), spill)
        return _read_tables(path, pages, scanned)


def _read_tables(path: Path, pages: _Pages, scanned: bool) -> Disclosure:
    detect.check_text_layer(path.name, pages.chars, len(pages), scanned)
    d, template = _disclosure(path.name, [t for _, t in pages.text], pages.text)
    where = locate.locate_pages(pages.lines(), template)
    found, facts, texts, units = {}, {}, {}, {}
    for tid, idx in where.items():
        spec = template.tables[tid]
        table = [pages[i] for i in idx]
        try:
            read = grid.read_table(template, spec, table, d.warnings)
        except Exception as exc:  # one unparseable table must not lose the others
            d.warnings.append(f"{tid} ({spec.name}) p{table[0].number}: layout not understood ({exc}); table left out")
            continue
        found[tid], texts[tid] = [p.number for p in table], read.text
        rows = canonical.facts(spec, read.rows, d.warnings)
        if scanned:
            from finacct.extract import ocr
            rows = ocr.checksum(spec, rows, table, d.warnings)
        facts[tid] = _in_document_unit(d, tid, read.unit, rows)
        if read.unit and read.unit != d.unit:
            units[tid] = read.unit
    d.performance = performance.from_lines(d.text, d.warnings)
    return _finish(d, template, found, facts, texts, units)


def _load_text(path: Path) -> Disclosure:
    lines = textdump.read_lines(path)
    d, template = _disclosure(path.name, lines, list(enumerate(lines, 1)))
    d.warnings.append("source is a text dump: pages are 1-based line numbers (the 公开0N表 label of each table)")
    found, facts, texts = {}, {}, {}
    for tid, (start, end, page) in locate.locate_lines(lines, template).items():
        spec = template.tables[tid]
        section = [(i + 1, lines[i]) for i in range(start, end)]
        texts[tid] = "".join(t for _, t in section)
        rows = sequence.read_table(spec, section, page, d.warnings)
        found[tid] = [page]
        facts[tid] = canonical.facts(spec, rows, d.warnings)
    d.performance = performance.from_lines(d.text, d.warnings)
    return _finish(d, template, found, facts, texts)
