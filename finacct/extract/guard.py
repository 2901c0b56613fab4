"""Form XObjects counted from a PDF's bytes before PDFium parses a page: a guard against files
built to make PDFium expand forms without bound.

PDFium parses every form a page draws when it loads the page, each time it is drawn: a form
that draws itself twice, or forms fanned out ten-fold over a few levels, make a small file
that takes gigabytes before any page object can be counted. So the page tree and the forms'
content streams are read here (objects found by their headers, object streams included) and
the form parses each page implies are counted. Anything this reader cannot follow (an unusual
filter, a damaged object) counts as no drawing: the guard refuses only what it has seen.
"""
from __future__ import annotations

import base64
import binascii
import mmap
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from finacct.errors import UnreadableError

MAX_FORM_DRAWS = 100_000           # form XObjects PDFium would parse to draw one page (nested drawings multiplied)
FORM_DEPTH = 32                    # form nesting followed when counting (PDFium stops deeper recursion itself)
MAX_STREAM = 64 << 20              # bytes of one decoded content stream read by the guard
PAGE_NODES = 20_000                # page-tree nodes walked: ten for each of the 2000 pages a disclosure can have (pdf.MAX_PAGES)

_DELIM = rb"\s/\[\]()<>{}%"
_OBJ = re.compile(rb"obj(?![^" + _DELIM + rb"])")     # found first, then the number before it: fast on large files
_OBJ_HEAD = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+$")
# A token after any white space and comments, skipped atomically: no token is ever read from inside a comment.
_TOKEN = re.compile(rb"(?>(?:\s|%[^\r\n]*)*)"
                    rb"(?:(<<|>>|\[|\]|\{|\})|/([^" + _DELIM + rb"]*)|(\d+)\s+\d+\s+R(?![^" + _DELIM + rb"])|(\()|(<)|([^" + _DELIM + rb"]+))")
_DELIMITER, _NAME, _REF, _WORD = 1, 2, 3, 6   # _TOKEN's groups, as its lastindex (4 and 5 open a string)
_CLOSE = {dict: b">>", list: b"]"}
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


def _value(buf: Any, pos: int) -> tuple[Any, int]:
    """One PDF object at pos: dicts, arrays, names and references; strings and numbers as
    placeholders (the guard needs none of their values), nested at most 64 deep. Read in one
    loop over the tokens, the open dictionaries and arrays on a stack: a call per token was
    most of the guard's time (a page dictionary's fonts and graphics states)."""
    stack: list[Any] = []          # the dictionaries and arrays open at pos, outermost first
    keys: list[str | None] = []    # for each, the key whose value comes next (None: a key or an array item does)
    while True:
        m = _TOKEN.match(buf, pos)
        if m is None:
            raise ValueError("not a PDF object")
        pos, kind = m.end(), m.lastindex
        if kind == _DELIMITER and stack and keys[-1] is None and m[kind] == _CLOSE[type(stack[-1])]:
            val = stack.pop()
            keys.pop()
        elif len(stack) > 64:
            raise ValueError("nested too deep")
        elif kind == _DELIMITER:
            if m[kind] not in (b"<<", b"["):
                raise ValueError("unexpected delimiter")
            stack.append({} if m[kind] == b"<<" else [])
            keys.append(None)
            continue
        elif kind == _NAME:
            val = _name(m[kind])
        elif kind == _REF:
            val = _Ref(int(m[kind]))
        elif kind == _WORD:
            val = _Blank(m[kind].decode("latin-1"))
        else:
            val, pos = _string(buf, pos, m[kind])
        if not stack:
            return val, pos
        if isinstance(stack[-1], list):
            stack[-1].append(val)
        elif keys[-1] is not None:
            stack[-1][keys[-1]] = val
            keys[-1] = None
        elif isinstance(val, str) and not isinstance(val, _Blank):
            keys[-1] = val
        else:
            raise ValueError("a dictionary key that is not a name")


def _string(buf: Any, pos: int, opening: bytes) -> tuple[_Blank, int]:
    """A literal string (nested brackets, escapes) or hex string opened before pos, and where it ends."""
    if opening == b"<":
        close = buf.find(b">", pos)
        if close < 0:
            raise ValueError("unterminated string")
        return _Blank(), close + 1
    level = 1
    while level:
        p = _PAREN.search(buf, pos)
        if p is None:
            raise ValueError("unterminated string")
        pos = p.end()
        level += {b"(": 1, b")": -1}.get(p[0], 0)
    return _Blank(), pos


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
        self.with_forms: dict[int, bool] = {}   # XObject dictionary -> whether it names a form (pages share theirs)
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
        """Every stream object with its number (streams are never inside object streams): the
        objects whose text, up to the next object's header, holds a `stream` keyword."""
        if self._streams is None:
            ends = [start for start, _, _ in self.heads[1:]] + [len(self.data)]
            found = {num for (start, num, _), end in zip(self.heads, ends) if self._has_stream(start, end)}
            self._streams = [(num, s) for num in sorted(found) if isinstance(s := self.obj(num), _Stream)]
        return self._streams

    def _has_stream(self, start: int, end: int) -> bool:
        """Whether a `stream` keyword (not `endstream`) starts in data[start:end]. Looked for from
        the start and only up to the first: a stream's keyword follows its dictionary, so the
        search stops before its data (most of a file's bytes)."""
        pos = start
        reach = end + len(b"stream\r\n") - 1   # a keyword starting before `end` may end after it
        while (m := _STREAM_AT.search(self.data, pos, reach)) and m.start() < end:
            if self.data[m.start() - 3:m.start()] != b"end":
                return True
            pos = m.end()
        return False

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

    def drawn(self, content: Any) -> Counter:
        """How often content (a content stream, or an array of them) draws each XObject name;
        kept for each stream (a form drawn at several depths or places is read once)."""
        parts = self.get(content)
        if isinstance(parts, _Stream) and id(parts) in self.counts:
            return self.counts[id(parts)]
        try:
            data = b"\n".join(self.decoded(self.get(p)) or b"" for p in (parts if isinstance(parts, list) else [parts]))
        except (ValueError, zlib.error, binascii.Error):
            data = b""
        out = Counter(_name(m[1]) for m in _DO.finditer(data))
        if isinstance(parts, _Stream):
            self.counts[id(parts)] = out
        return out

    def xobjects(self, resources: Any) -> dict | None:
        """The XObject dictionary of these resources, if they have one."""
        res = self.get(resources)
        xobjects = self.get(res.get("XObject")) if isinstance(res, dict) else None
        return xobjects if isinstance(xobjects, dict) else None

    def form(self, val: Any) -> _Stream | None:
        """The form XObject val names, if it names one (images are XObjects too)."""
        form = self.get(val)
        return form if isinstance(form, _Stream) and self.get(form.get("Subtype")) == "Form" else None

    def names_a_form(self, xobjects: dict) -> bool:
        """Whether an XObject dictionary names a form, looked at once per dictionary (every page
        sharing its resources asks again)."""
        if id(xobjects) not in self.with_forms:
            self.with_forms[id(xobjects)] = any(self.form(v) is not None for v in xobjects.values())
        return self.with_forms[id(xobjects)]

    def forms(self, content: Any, xobjects: dict | None, depth: int, memo: dict, page: dict | None) -> tuple[int, bool]:
        """Form parses PDFium makes loading `content` whose names it looks up in `xobjects`: each
        form once per drawing, with everything it draws itself, to FORM_DEPTH levels; the content
        is decoded only if `xobjects` names a form. A form draws from its own resources (an empty
        dictionary too), or from those of what draws it if it has none; when its own name no
        XObject, from the page's (`page`), as PDFium looks there. Also whether the count looked in the page's: `memo`
        holds a form's count for its XObjects and depth, and for the page only if it did
        (objects keyed by id: every object read stays in the cache while the file is checked)."""
        if depth >= FORM_DEPTH or not xobjects or not self.names_a_form(xobjects):
            return 0, False
        total, paged = 0, False
        for name, k in self.drawn(content).items():
            form = self.form(xobjects.get(name))
            if form is None:
                continue
            own = xobjects
            if isinstance(self.get(form.get("Resources")), dict):   # its own, even empty: PDFium's CPDF_Form
                own = self.xobjects(form["Resources"])
                if own is None:
                    own, paged = page, True
            key = (id(form), id(own), depth)
            if key in memo:
                n = memo[key]
            elif (*key, id(page)) in memo:
                n, paged = memo[(*key, id(page))], True
            else:
                n, below = self.forms(form, own, depth + 1, memo, page)
                n += 1
                memo[(*key, id(page)) if below else key] = n
                paged = paged or below
            total += k * n
            if total > MAX_FORM_DRAWS:
                break
        return total, paged

    def pages(self) -> Iterator[tuple[dict, Any]]:
        """Each page dictionary with its (possibly inherited) resources, in page-tree order, of
        every catalog a trailer or cross-reference stream names: an update may name another
        catalog than the file's first section, and which one PDFium takes is not guessed here."""
        catalogs = {id(r): r for d in self._trailers() if isinstance(r := self.get(d.get("Root")), dict)}
        stack = [(self.get(c.get("Pages")), None) for c in reversed(catalogs.values())]
        seen: set[int] = set()
        while stack and len(seen) <= PAGE_NODES:
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
                xobjects = f.xobjects(res)
                n = f.forms(page.get("Contents"), xobjects, 0, memo, xobjects)[0]
                if n > MAX_FORM_DRAWS:
                    raise UnreadableError(f"{path.name}: page {number} draws form XObjects within each other more than "
                                          f"{MAX_FORM_DRAWS:,} times (a form that draws itself, or fans out); refused")
