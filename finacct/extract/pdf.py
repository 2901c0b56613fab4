"""Positioned words and horizontal rulings from a PDF with a text layer (pypdfium2).

pypdfium2 wraps PDFium, ships as a self-contained wheel (no system packages) and
reads a 30-page disclosure an order of magnitude faster than pdfminer-based tools.
"""
from __future__ import annotations

import base64
import binascii
import bisect
import ctypes
import math
import mmap
import re
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from finacct.errors import UnreadableError
from finacct.extract.layout import Line, Word, group_lines

# A character further than this fraction of the font size from its neighbour starts a new word.
WORD_GAP = 0.25
# Paths thinner than this (points) are rulings.
RULE_THICKNESS = 2.5
RULE_DEPTH = 3                     # levels of content searched for rulings: the page, its forms, forms in those
# PDFium keeps what it parsed until the document is closed: reopened after this many pages.
REOPEN = 25
# Resource guards: a disclosure has tens to hundreds of pages, thousands of objects a page and
# a few form XObjects; anything far beyond is refused with one line before PDFium expands it.
MAX_PAGES = 2000
MAX_TEXT_CHARS = 20_000_000        # about 50 MB of text (UTF-8) in the whole document
MAX_OBJECTS = 2_000_000            # page objects in the document, form contents counted where drawn
MAX_PAGE_OBJECTS = 200_000         # on one page: PDFium's text extraction is slow far beyond this
MAX_FORM_DRAWS = 100_000           # form XObjects PDFium would parse to draw one page (nested drawings multiplied)
FORM_DEPTH = 32                    # form nesting followed when counting (PDFium stops deeper recursion itself)
MAX_STREAM = 64 << 20              # bytes of one decoded content stream read by the guard


@dataclass
class Page:
    """One page: its 1-based number, size, words (top-down coordinates) and horizontal rulings."""

    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    vrules: list[tuple[float, float, float]] = field(default_factory=list)  # (x, top, bottom): vertical rulings
    lines: list[Line] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = group_lines(self.words)


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open a PDF or raise a one-line UnreadableError saying why it cannot be read (or why it
    is refused: too many pages, or pages whose form XObjects would expand without bound)."""
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise UnreadableError(f"{path.name}: the PDF is encrypted (password protected)") from exc
        raise UnreadableError(f"{path.name}: not a readable PDF (damaged or truncated: {exc})") from exc
    try:
        if len(doc) > MAX_PAGES:
            raise UnreadableError(f"{path.name}: {len(doc)} pages, more than the {MAX_PAGES} a disclosure can have; refused")
        check_forms(path)
    except BaseException:
        doc.close()
        raise
    return doc


def iter_pages(path: Path) -> Iterator[Page]:
    """The pages of a PDF one at a time, as positioned words and rulings, within the resource
    guards. The document is reopened every REOPEN pages: PDFium keeps every object it has
    parsed until the document is closed, so its memory would otherwise grow with the page count."""
    doc = open_pdf(path)
    budget = Budget(path.name)
    try:
        for i in range(len(doc)):
            if i and i % REOPEN == 0:
                doc.close()
                doc = pdfium.PdfDocument(str(path))
            yield _page(doc[i], i + 1, budget)
    finally:
        doc.close()


@dataclass
class Budget:
    """What a document has used so far of the page-object and text limits."""

    name: str
    objects: int = 0
    chars: int = 0

    def add_objects(self, n: int, number: int) -> None:
        """Count a page's objects (n as _scan counted them up to self.left())."""
        if n > MAX_PAGE_OBJECTS:
            raise UnreadableError(f"{self.name}: page {number} holds more than {MAX_PAGE_OBJECTS:,} objects "
                                  "(counting those inside form XObjects); refused")
        self.objects += n
        if self.objects > MAX_OBJECTS:
            raise UnreadableError(f"{self.name}: more than {MAX_OBJECTS:,} page objects by page {number}; refused")

    def left(self) -> int:
        """Objects a page may hold before it or the document is refused, plus one."""
        return min(MAX_PAGE_OBJECTS, MAX_OBJECTS - self.objects) + 1

    def add_chars(self, n: int, number: int) -> None:
        self.chars += n
        if self.chars > MAX_TEXT_CHARS:
            raise UnreadableError(f"{self.name}: more than {MAX_TEXT_CHARS:,} characters of text by page {number}; refused")


def _bare(fn: Any) -> Any:
    """fn without ctypes' per-argument conversion, which costs more than PDFium's own work in
    the calls made for every character and page object (callers pass handles, ints and byref()s)."""
    return ctypes.CFUNCTYPE(fn.restype)(ctypes.cast(fn, ctypes.c_void_p).value)


_count_page, _count_form = _bare(pdfium_c.FPDFPage_CountObjects), _bare(pdfium_c.FPDFFormObj_CountObjects)
_get_page_obj, _get_form_obj = _bare(pdfium_c.FPDFPage_GetObject), _bare(pdfium_c.FPDFFormObj_GetObject)
_obj_type, _obj_bounds = _bare(pdfium_c.FPDFPageObj_GetType), _bare(pdfium_c.FPDFPageObj_GetBounds)
_char_angle, _font_size = _bare(pdfium_c.FPDFText_GetCharAngle), _bare(pdfium_c.FPDFText_GetFontSize)
_loose_box, _char_origin = _bare(pdfium_c.FPDFText_GetLooseCharBox), _bare(pdfium_c.FPDFText_GetCharOrigin)
_consume = deque(maxlen=0).extend


def _bulk(fn: Any, args: list[Iterable], n: int, ctype: Any, values: int, pointers: int) -> np.ndarray:
    """fn(*args[i], out…) for i < n in one pass in C, with no Python object per call but the
    pointers: each call writes `values` ctype values, through one pointer to them all (a struct)
    or one pointer each; returned as an (n, values) array of floats."""
    buf = (ctype * (values * n))()
    size = ctypes.sizeof(ctype)
    outs = [map(ctypes.byref, repeat(buf, n), range(k * size, values * size * n, values * size)) for k in range(pointers)]
    _consume(map(fn, *args, *outs))
    return np.frombuffer(buf, np.dtype(ctype)).reshape(n, values).astype(float)


def _scan(parent: Any, count: Any, get: Any, depth: int, limit: int, paths: list) -> int:
    """Page objects in parent with those inside the form XObjects it draws (to FORM_DEPTH
    levels), counted up to `limit`; the paths within RULE_DEPTH levels, the candidate rulings,
    are added to `paths` in drawing order. One pass serves the guard and the rulings."""
    n = max(count(parent), 0)
    if n >= limit or depth >= FORM_DEPTH:
        return n
    objects = list(map(get, repeat(parent, n), range(n)))
    seen = n
    for obj, kind in zip(objects, map(_obj_type, objects)):
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH and depth < RULE_DEPTH:
            paths.append(obj)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            seen += _scan(obj, _count_form, _get_form_obj, depth + 1, limit - seen, paths)
            if seen >= limit:
                break
    return seen


@dataclass(frozen=True)
class Frame:
    """Reading coordinates of a page: x along the text, y down the lines. Text printed
    turned a quarter (a landscape table on a portrait page, shown upright by /Rotate) is
    turned back, whatever the page's /Rotate says."""

    turns: int  # quarter turns of the text, counter-clockwise
    width: float  # page-space box
    height: float

    def point(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w, h = self.width, self.height
        return ((x, h - y), (y, x), (w - x, y), (h - y, w - x))[self.turns]

    def box(self, left: np.ndarray, bottom: np.ndarray, right: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, ...]:
        """(x0, x1, top, bottom) in reading coordinates."""
        (a, b), (c, d) = self.point(left, bottom), self.point(right, top)
        return np.minimum(a, c), np.maximum(a, c), np.minimum(b, d), np.maximum(b, d)

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height) if self.turns % 2 == 0 else (self.height, self.width)


def _frame(page: pdfium.PdfPage, tp: pdfium.PdfTextPage, n: int) -> Frame:
    """The quarter turn most of the page's characters are printed at (200 to 400 sampled; the
    first turn of those with most votes)."""
    left, bottom, right, top = page.get_bbox()
    samples = range(0, n, max(1, n // 200))
    angles = np.fromiter(map(_char_angle, repeat(tp.raw), samples), float, len(samples))
    turns = (-np.round(angles[angles >= 0] / (math.pi / 2))).astype(np.int64) % 4   # pdfium measures clockwise; -1: unknown
    return Frame(int(np.argmax(np.bincount(turns, minlength=4))), right - left, top - bottom)


def _page(page: pdfium.PdfPage, number: int, budget: Budget) -> Page:
    """One page read: its objects counted (refused before any text is extracted if a page
    draws forms within forms beyond the limits), then its words and rulings."""
    paths: list = []
    budget.add_objects(_scan(page.raw, _count_page, _get_page_obj, 0, budget.left(), paths), number)
    tp = page.get_textpage()
    n = tp.count_chars()
    budget.add_chars(n, number)
    frame = _frame(page, tp, n)
    rules, vrules = _rules(paths, frame)
    width, height = frame.size
    out = Page(number, width, height, _words(tp, n, frame), rules, vrules)
    tp.close()
    page.close()
    return out


def _words(tp: pdfium.PdfTextPage, n: int, frame: Frame) -> list[Word]:
    """Characters joined into words: a character continues the word before it when it follows
    it in the text, on the word's baseline and close after it. The boxes, origins and sizes of
    all characters are read in bulk and turned into reading coordinates as arrays; only finding
    where words start is a loop."""
    text = tp.get_text_range(0, n)[:n] if n else ""
    chars = [i for i, ch in enumerate(text) if not ch.isspace() and ch != "\ufffe"]
    k = len(chars)
    if not k:
        return []
    left, top, right, bottom = _bulk(_loose_box, [repeat(tp.raw, k), chars], k, ctypes.c_float, 4, 1).T  # FS_RECTF order
    x0, x1, tops, bottoms = frame.box(left, bottom, right, top)
    base = frame.point(*_bulk(_char_origin, [repeat(tp.raw, k), chars], k, ctypes.c_double, 2, 2).T)[1]
    size = np.fromiter(map(_font_size, repeat(tp.raw, k), chars), float, k)
    size = np.where((size > 0) & (size <= 1.5 * (bottoms - tops)), size, bottoms - tops)  # some producers report text-space sizes
    starts = []
    last, first_base, right_edge = -2, 0.0, 0.0   # the word so far: its first baseline, its right edge
    for j, (i, a, b, y, s) in enumerate(zip(chars, x0.tolist(), x1.tolist(), base.tolist(), size.tolist())):
        if i == last + 1 and abs(first_base - y) < 0.3 * s and -0.5 * s < a - right_edge < WORD_GAP * s:
            right_edge = max(right_edge, b)
        else:
            starts.append(j)
            first_base, right_edge = y, b
        last = i
    ends = [*starts[1:], k]
    cols = (x0[starts], np.maximum.reduceat(x1, starts), np.minimum.reduceat(tops, starts),
            np.maximum.reduceat(bottoms, starts), base[starts], size[starts])
    return [Word(text[chars[a]:chars[b - 1] + 1], *v) for a, b, *v in zip(starts, ends, *(c.tolist() for c in cols))]


def _rules(paths: list, frame: Frame) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal rulings (y, x0, x1) and vertical ones (x, top, bottom) in reading
    coordinates: thin paths, and the edges of thin rectangles."""
    if not paths:
        return [], []
    # left, bottom, right, top of each path (a path without bounds stays an empty box at 0, 0: no ruling)
    x0, x1, top, bottom = frame.box(*_bulk(_obj_bounds, [paths], len(paths), ctypes.c_float, 4, 4).T)
    flat = (bottom - top <= RULE_THICKNESS) & (x1 - x0 > 3)
    upright = ~flat & (x1 - x0 <= RULE_THICKNESS) & (bottom - top > 3)
    rules = list(zip(((top + bottom) / 2)[flat].tolist(), x0[flat].tolist(), x1[flat].tolist()))
    vrules = list(zip(((x0 + x1) / 2)[upright].tolist(), top[upright].tolist(), bottom[upright].tolist()))
    return rules, vrules


# -- form XObjects, counted from the file before PDFium parses a page ---------------------------
# PDFium parses every form a page draws when it loads the page, each time it is drawn: a form
# that draws itself twice, or forms fanned out ten-fold over a few levels, make a small file
# that takes gigabytes before any page object can be counted. So the page tree and the forms'
# content streams are read here (objects found by their headers, object streams included) and
# the form parses each page implies are counted. Anything this reader cannot follow (an unusual
# filter, a damaged object) counts as no drawing: the guard refuses only what it has seen.
_DELIM = rb"\s/\[\]()<>{}%"
_OBJ = re.compile(rb"obj(?![^" + _DELIM + rb"])")     # found first, then the number before it: fast on large files
_OBJ_HEAD = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+$")
_TOKEN = re.compile(rb"(<<|>>|\[|\]|\{|\})|/([^" + _DELIM + rb"]*)|(\d+)\s+\d+\s+R(?![^" + _DELIM + rb"])|(\()|(<)|([^" + _DELIM + rb"]+)")
_SPACE = re.compile(rb"(?:\s|%[^\r\n]*)*")
_PAREN = re.compile(rb"\\.|[()]", re.S)
_STREAM = re.compile(rb"\s*stream\r?\n?")
_STREAM_AT = re.compile(rb"stream\r?\n")
_DO = re.compile(rb"/([^" + _DELIM + rb"]+)\s*Do(?![^" + _DELIM + rb"])")
_ESCAPED = re.compile(rb"#([0-9A-Fa-f]{2})")


class _Ref(int):
    """An indirect reference: the number of the object it names."""


class _Stream(dict):
    """A stream object's dictionary, with where its data starts in the file."""

    start = 0


def _name(raw: bytes) -> str:
    if b"#" not in raw:
        return raw.decode("latin-1")
    return _ESCAPED.sub(lambda m: bytes([int(m[1], 16)]), raw).decode("latin-1")


def _value(buf: Any, pos: int, depth: int = 0) -> tuple[Any, int]:
    """One PDF object at pos: dicts, arrays, names and references; strings and numbers as
    placeholders (the guard needs none of their values)."""
    pos = _SPACE.match(buf, pos).end()
    m = _TOKEN.match(buf, pos)
    if m is None or depth > 64:
        raise ValueError("not a PDF object")
    end = m.end()
    if m[1] in (b"<<", b"["):
        out: Any = {} if m[1] == b"<<" else []
        close = b">>" if m[1] == b"<<" else b"]"
        while True:
            end = _SPACE.match(buf, end).end()
            if buf[end:end + len(close)] == close:
                return out, end + len(close)
            item, end = _value(buf, end, depth + 1)
            if isinstance(out, list):
                out.append(item)
            elif isinstance(item, str) and not isinstance(item, _Blank):
                out[item], end = _value(buf, end, depth + 1)
            else:
                raise ValueError("a dictionary key that is not a name")
    if m[1] is not None:
        raise ValueError("unexpected delimiter")
    if m[2] is not None:
        return _name(m[2]), end
    if m[3] is not None:
        return _Ref(int(m[3])), end
    if m[4]:
        level = 1
        while level:
            p = _PAREN.search(buf, end)
            if p is None:
                raise ValueError("unterminated string")
            end = p.end()
            level += {b"(": 1, b")": -1}.get(p[0], 0)
        return _Blank(), end
    if m[5]:
        close = buf.find(b">", end)
        if close < 0:
            raise ValueError("unterminated string")
        return _Blank(), close + 1
    return _Blank(m[6].decode("latin-1")), end


class _Blank(str):
    """A string, number or keyword: kept apart from names."""


def _lzw(data: bytes, early: int) -> bytes:
    """LZWDecode: 9- to 12-bit codes, most significant bit first, the code width growing one
    code early when `early` is 1 (PDF's EarlyChange); at most MAX_STREAM bytes."""
    out = bytearray()
    table = [bytes([i]) for i in range(256)] + [b"", b""]   # 256: clear the table, 257: end
    prev: bytes | None = None
    width, bits, held = 9, 0, 0
    for byte in data:
        bits, held = (bits << 8) | byte, held + 8
        if held < width:
            continue
        held -= width
        code, bits = bits >> held, bits & ((1 << held) - 1)
        if code == 256:
            del table[258:]
            width, prev = 9, None
            continue
        if code < 256 or 257 < code < len(table):
            entry = table[code]
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
        else:   # the end, or a damaged stream
            break
        out += entry
        if len(out) >= MAX_STREAM:
            break
        if prev is not None and len(table) < 4096:
            table.append(prev + entry[:1])
            if len(table) + early >= 1 << width and width < 12:
                width += 1
        prev = entry
    return bytes(out[:MAX_STREAM])


def _run_length(data: bytes) -> bytes:
    """RunLengthDecode: n < 128 copies the next n + 1 bytes, n > 128 repeats the next byte
    257 - n times, 128 ends; at most MAX_STREAM bytes."""
    out = bytearray()
    i = 0
    while i < len(data) and len(out) < MAX_STREAM:
        n = data[i]
        if n == 128:
            break
        if n < 128:
            out += data[i + 1:i + 2 + n]
            i += n + 2
        else:
            out += data[i + 1:i + 2] * (257 - n)
            i += 2
    return bytes(out[:MAX_STREAM])


class _File:
    """A PDF's objects by number, read on demand from the bytes (the last definition wins)."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.heads = []   # (offset, number, end) of each "N G obj"
        for m in _OBJ.finditer(data):
            h = _OBJ_HEAD.search(data, max(0, m.start() - 24), m.start())
            if h and (h.start() == 0 or data[h.start() - 1:h.start()].isspace()):
                self.heads.append((h.start(), int(h[1]), m.end()))
        self.at = {num: end for _, num, end in self.heads}
        self.cache: dict[int, Any] = {}
        self.packed: dict[int, tuple[int, int]] | None = None   # number -> (object stream, index)
        self.counts: dict[int, Counter] = {}
        self._streams: list[tuple[int, _Stream]] | None = None

    def obj(self, num: int) -> Any:
        if num not in self.cache:
            self.cache[num] = None   # a reference loop reads as nothing
            self.cache[num] = self._read(num)
        return self.cache[num]

    def _read(self, num: int) -> Any:
        try:
            if num in self.at:
                val, end = _value(self.data, self.at[num])
                m = _STREAM.match(self.data, end)
                if isinstance(val, dict) and m:
                    val = _Stream(val)
                    val.start = m.end()
                return val
            where = self._packed().get(num)
            if where is None:
                return None
            body = self.decoded(self.obj(where[0]))
            head = body.split(None, 2 * where[1] + 2) if body else []
            first = self.get(self.obj(where[0]).get("First"))
            return _value(body, int(first) + int(head[2 * where[1] + 1]))[0]
        except (ValueError, IndexError, TypeError):
            return None

    def streams(self) -> list[tuple[int, _Stream]]:
        """Every stream object with its number (streams are never inside object streams)."""
        if self._streams is None:
            starts = [h[0] for h in self.heads]
            found = {self.heads[i][1] for m in _STREAM_AT.finditer(self.data)
                     if self.data[m.start() - 3:m.start()] != b"end" and (i := bisect.bisect_right(starts, m.start()) - 1) >= 0}
            self._streams = [(num, s) for num in sorted(found) if isinstance(s := self.obj(num), _Stream)]
        return self._streams

    def _packed(self) -> dict[int, tuple[int, int]]:
        """Where each object kept in an object stream (PDF 1.5) is: (stream, index)."""
        if self.packed is None:
            self.packed = {}
            for num, s in self.streams():
                if self.get(s.get("Type")) != "ObjStm":
                    continue
                n = str(self.get(s.get("N")) or "")
                head = (self.decoded(s) or b"").split(None, 2 * int(n) if n.isdigit() else 0)
                for k, obj in enumerate(head[:2 * int(n) if n.isdigit() else 0:2]):
                    if obj.isdigit():
                        self.packed.setdefault(int(obj), (num, k))
        return self.packed

    def get(self, val: Any) -> Any:
        """val with references followed."""
        for _ in range(32):
            if not isinstance(val, _Ref):
                return val
            val = self.obj(val)
        return None

    def decoded(self, s: Any) -> bytes | None:
        """A stream's data through its filters (Flate, LZW, RunLength, ASCIIHex, ASCII85: every
        one PDFium decodes in a content stream), at most MAX_STREAM bytes; None for a filter the
        guard does not decode."""
        if not isinstance(s, _Stream):
            return None
        end = self.data.find(b"endstream", s.start)
        raw = bytes(self.data[s.start:end if end >= 0 else len(self.data)])
        filters = self.get(s.get("Filter"))
        filters = filters if isinstance(filters, list) else [filters] if filters else []
        parms = self.get(s.get("DecodeParms", s.get("DP")))
        parms = parms if isinstance(parms, list) else [parms]
        for f, parm in zip(filters, parms + [None] * len(filters)):
            f, parm = self.get(f), self.get(parm)
            if f in ("FlateDecode", "Fl"):
                raw = zlib.decompressobj().decompress(raw, MAX_STREAM)
            elif f in ("LZWDecode", "LZW"):
                early = self.get(parm.get("EarlyChange")) if isinstance(parm, dict) else None
                raw = _lzw(raw, 0 if early == "0" else 1)
            elif f in ("RunLengthDecode", "RL"):
                raw = _run_length(raw)
            elif f in ("ASCIIHexDecode", "AHx"):
                digits = re.sub(rb"[^0-9A-Fa-f]", b"", raw.split(b">")[0])
                raw = binascii.unhexlify(digits + b"0" * (len(digits) % 2))
            elif f in ("ASCII85Decode", "A85"):
                raw = base64.a85decode(re.sub(rb"\s", b"", raw).removeprefix(b"<~").split(b"~>")[0])
            else:
                return None
        return raw

    def drawn(self, s: Any, key: int | None = None) -> Counter:
        """How often a content stream draws each XObject name."""
        if key is not None and key in self.counts:
            return self.counts[key]
        try:
            parts = self.get(s)
            data = b"\n".join(self.decoded(self.get(p)) or b"" for p in (parts if isinstance(parts, list) else [parts]))
        except (ValueError, zlib.error, binascii.Error):
            data = b""
        out = Counter(_name(m[1]) for m in _DO.finditer(data))
        if key is not None:
            self.counts[key] = out
        return out

    def names_forms(self, resources: Any) -> bool:
        """Whether these resources name any form XObject (images are XObjects too)."""
        res = self.get(resources)
        xobjects = self.get(res.get("XObject")) if isinstance(res, dict) else None
        return isinstance(xobjects, dict) and any(isinstance(x := self.get(v), _Stream) and self.get(x.get("Subtype")) == "Form"
                                                  for v in xobjects.values())

    def forms(self, drawn: Counter, resources: Any, depth: int, memo: dict, page: Any = None) -> int:
        """Form parses PDFium makes for content that draws `drawn` with `resources`: each form
        once per drawing, with everything it draws itself, to FORM_DEPTH levels. A form whose
        own resources name no XObject draws from the page's (`page`), as PDFium looks there."""
        res = self.get(resources)
        xobjects = self.get(res.get("XObject")) if isinstance(res, dict) else None
        if not isinstance(xobjects, dict) and depth:
            page_res = self.get(page)
            xobjects = self.get(page_res.get("XObject")) if isinstance(page_res, dict) else None
        if depth >= FORM_DEPTH or not isinstance(xobjects, dict):
            return 0
        total = 0
        for name, k in drawn.items():
            ref = xobjects.get(name)
            form = self.get(ref)
            if not isinstance(form, _Stream) or self.get(form.get("Subtype")) != "Form":
                continue
            own = form.get("Resources") or resources
            key = (int(ref) if isinstance(ref, _Ref) else id(form), id(own) if "Resources" not in form else 0, id(self.get(page)), depth)
            if key not in memo:
                memo[key] = 1 + self.forms(self.drawn(form, key[0] if isinstance(ref, _Ref) else None), own, depth + 1, memo, page)
            total += k * memo[key]
            if total > MAX_FORM_DRAWS:
                break
        return total

    def pages(self) -> Iterator[tuple[dict, Any]]:
        """Each page dictionary with its (possibly inherited) resources, in page-tree order, of
        every catalog a trailer or cross-reference stream names: an update may name another
        catalog than the file's first section, and which one PDFium takes is not guessed here."""
        catalogs = {id(r): r for d in self._trailers() if isinstance(r := self.get(d.get("Root")), dict)}
        stack = [(self.get(c.get("Pages")), None) for c in reversed(catalogs.values())]
        seen: set[int] = set()
        while stack and len(seen) <= 10 * MAX_PAGES:
            node, res = stack.pop()
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            res = node.get("Resources", res)
            kids = self.get(node.get("Kids"))
            if isinstance(kids, list) and self.get(node.get("Type")) != "Page":
                stack.extend((self.get(k), res) for k in reversed(kids))
            else:
                yield node, res

    def _trailers(self) -> list[dict]:
        """Trailer dictionaries (after `trailer`, and cross-reference streams); failing any with
        a catalog, the catalogs themselves, as a PDF reader repairing the file would."""
        out = []
        for m in re.finditer(rb"trailer", self.data):
            try:
                val = _value(self.data, m.end())[0]
            except ValueError:
                continue
            if isinstance(val, dict):
                out.append(val)
        out += [s for _, s in self.streams() if self.get(s.get("Type")) == "XRef"]   # cross-reference streams (PDF 1.5)
        if not any(isinstance(self.get(d.get("Root")), dict) for d in out):
            out += [{"Root": d} for _, num, _ in self.heads if isinstance(d := self.obj(num), dict) and self.get(d.get("Type")) == "Catalog"]
        return out


def check_forms(path: Path) -> None:
    """Refuse a PDF whose pages would make PDFium parse more than MAX_FORM_DRAWS form
    XObjects (forms drawing themselves, or fanning out level after level)."""
    with open(path, "rb") as fh:
        try:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:   # an empty file
            return
        with data:
            f = _File(data)
            memo: dict = {}
            for number, (page, res) in enumerate(f.pages(), start=1):
                if not f.names_forms(res):   # nothing it draws can be a form: its content is not even decoded
                    continue
                n = f.forms(f.drawn(page.get("Contents")), res, 0, memo, res)
                if n > MAX_FORM_DRAWS:
                    raise UnreadableError(f"{path.name}: page {number} draws form XObjects within each other more than "
                                          f"{MAX_FORM_DRAWS:,} times (a form that draws itself, or fans out); refused")
