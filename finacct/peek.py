"""Department, year and kind (final / budget) of a document from its first pages only: cheap
enough to pair a folder's documents (a final with last year's and with its budget) before any
is read in full. Plain text work that needs no pandas, so a batch worker peeks before it has
imported any (a spreadsheet or finacct JSON is loaded in full: its meta sheet says all)."""
from __future__ import annotations

from pathlib import Path

from finacct.extract import detect, pdf, textdump
from finacct.tables import meta


def peek(path: str | Path, pages: int = 8) -> tuple[str, int | None, str]:
    """(department, year, kind) as the first `pages` pages (first 400 lines of a text dump) say."""
    path = Path(path)
    source = detect.kind(path)
    if source in ("xlsx", "json"):
        from finacct.load import load
        d = load(path)
        return d.department, d.year, d.kind
    if source == "pdf":
        doc = pdf.open_pdf(path)
        try:
            lines = [ln for i in range(min(pages, len(doc))) for ln in doc[i].get_textpage().get_text_range().splitlines()]
        finally:
            doc.close()
    else:
        lines = textdump.read_lines(path)[:400]
    kind = meta.kind(lines)
    return meta.department(lines), meta.year(lines, kind), kind
