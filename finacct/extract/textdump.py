"""The plain-text dump form: a PDF's text as lines, numbers with spurious spaces."""
from __future__ import annotations

import re
from pathlib import Path

from finacct.errors import UnreadableError
from finacct.extract.detect import utf16

_COMMA = re.compile(r"(?<=\d),\s+(?=\d{3}\b)")
_POINT = re.compile(r"(?<=\d)\.\s+(?=\d{1,2}\b)")


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16, else GB18030 (a superset of GBK and GB2312)."""
    for enc in (utf16(data[:2048]) or "utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableError(f"{name}: not a PDF, xlsx or text dump (undecodable bytes)")


def read_lines(path: Path) -> list[str]:
    """Lines of the dump (1-based line numbers are list index + 1), numbers re-joined:
    '6, 901. 75' -> '6,901.75'."""
    text = decode(path.read_bytes(), path.name)
    return [_POINT.sub(".", _COMMA.sub(",", line.rstrip("\r"))) for line in text.split("\n")]
