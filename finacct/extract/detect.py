"""What is this file, and can it be read at all? One-line reasons when it cannot."""
from __future__ import annotations

import codecs
import errno
import os
from pathlib import Path

from finacct.errors import UnreadableError

# Fewer text characters than this per page means there is no usable text layer.
MIN_CHARS_PER_PAGE = 20


def missing(path: Path) -> str | None:
    """Why `path` is not a file to read, in words (a loop of links is not "no such file")."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{path}: a loop of symbolic links, not a file"
        if path.is_symlink():
            return f"{path}: a symbolic link to {os.readlink(path)}, which does not exist"
        return f"{path}: {'no such file' if exc.errno == errno.ENOENT else exc.strerror}"
    return f"{path}: is a folder, not a document" if path.is_dir() else None


def utf16(head: bytes) -> str | None:
    """The codec of UTF-16 text (Notepad's "Unicode"), with or without a byte-order mark:
    its NUL bytes would otherwise make it look binary."""
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    even, odd = head[0::2], head[1::2]
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if len(head) >= 16 and zeros.count(0) >= max(len(zeros) // 32, 4 * other.count(0) + 1):
            return codec
    return None


def kind(path: Path) -> str:
    """'pdf', 'xlsx', 'json' (finacct's own) or 'text' from the file's first bytes, not its name."""
    problem = missing(path)
    if problem:
        raise UnreadableError(problem)
    with path.open("rb") as fh:
        head = fh.read(2048)
    if not head.strip():
        raise UnreadableError(f"{path.name}: the file is empty")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip().startswith(b"{"):
        return "json"
    if b"\x00" in head and not utf16(head):
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
