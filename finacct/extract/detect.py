"""What is this file, and can it be read at all? One-line reasons when it cannot."""
from __future__ import annotations

from pathlib import Path

from finacct.errors import UnreadableError

# Fewer text characters than this per page means there is no usable text layer.
MIN_CHARS_PER_PAGE = 20


def kind(path: Path) -> str:
    """'pdf', 'xlsx' or 'text' from the file's first bytes, not its name."""
    if not path.exists():
        raise UnreadableError(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableError(f"{path}: is a folder, not a document")
    with path.open("rb") as fh:
        head = fh.read(2048)
    if not head.strip():
        raise UnreadableError(f"{path.name}: the file is empty")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if b"\x00" in head:
        raise UnreadableError(f"{path.name}: not a PDF, xlsx or text dump (binary content)")
    return "text"


def check_pdf_complete(path: Path) -> None:
    """A PDF cut short loses its trailer: refuse it rather than read half the tables."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise UnreadableError(f"{path.name}: the PDF is truncated (no end-of-file marker); get a complete copy")


def check_text_layer(name: str, chars: int, pages: int, ocr: bool = False) -> None:
    if pages == 0:
        raise UnreadableError(f"{name}: the PDF has no pages")
    if needs_ocr(chars, pages) and ocr:
        raise UnreadableError(f"{name}: no text layer, and OCR found no text either ({chars} characters on {pages} pages)")
    if needs_ocr(chars, pages):
        raise UnreadableError(f"{name}: no text layer ({chars} characters on {pages} pages): a scanned PDF, OCR is needed first")


def needs_ocr(chars: int, pages: int) -> bool:
    """Too few characters for the pages: a scan (images only), read by OCR (finacct.extract.ocr)."""
    return pages > 0 and chars < MIN_CHARS_PER_PAGE * pages
