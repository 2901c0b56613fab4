"""Rows and columns of one table from positioned words (every PDF layout).

Columns come from the header: header words stacked in one cell are merged, each cell is
matched to a column key by the table spec, and every amount goes to the nearest column
by x. Rows come from horizontal rulings when the page has them, else from baselines.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from finacct.extract.layout import Line, Word, amount, band_index, group_lines
from finacct.extract.pdf import Page
from finacct.tables import meta
from finacct.tables.locate import title_of
from finacct.tables.rows import RawRow
from finacct.tables.specs import (
    LABEL_HEADERS,
    ORDINAL,
    SIDE_LABEL_HEADER,
    TableSpec,
    Template,
    normalise,
    sangong_side,
)

# Lines that are neither header nor data: unit and department lines, table numbers, 栏次 rows
# (column numbers 1 2 3 …) and page numbers.
SKIP_LINE = re.compile(r"^(单位|部门|编制单位|编制部门|预算主管部门|填报单位|金额单位|单位名称)[:：]|^单位[:：]?万?元"
                       r"|^公开\d+表|^(附)?表[一二三四五六七八九十\d]+$"
                       r"|^(栏次|行次)[\d栏次行]*$")
# A page number: the page's last line, alone.
PAGE_NUMBER = re.compile(r"^[-—]?\d{1,3}[-—]?$|^第\d+页")
FOOTNOTE = re.compile(r"^(注|说明|备注)[:：\d１]|^注$")


def _stacked_text(words: list[Word]) -> str:
    """A header cell's words read top to bottom, left to right, as column names are matched."""
    return normalise("".join(w.text for w in sorted(words, key=lambda w: (w.baseline, w.x0))))


@dataclass
class Cell:
    """A header cell: the words stacked in it, merged; `span` is the x extent between the
    vertical rulings around it, where the table is ruled (a merged cell spans its columns).
    Its words are final once made, so its text and extent are worked out once: every
    column and cell of the header asks them of every other."""

    words: list[Word]
    span: tuple[float, float] | None = None

    @cached_property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def left(self) -> float:
        return self.span[0] if self.span else self.x0

    @property
    def right(self) -> float:
        return self.span[1] if self.span else self.x1

    @cached_property
    def text(self) -> str:
        return _stacked_text(self.words)

    @cached_property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @cached_property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @cached_property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @cached_property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)


@dataclass
class Anchor:
    key: object  # a column key, (side, column) for t09, or None for an unknown column
    xc: float
    width: float


@dataclass
class Layout:
    """Where a page's amount columns are and which key each has."""

    anchors: list[Anchor]
    cuts: list[float]  # x boundaries between sides


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def header_cells(spec: TableSpec, words: list[Word], rules: list[tuple[float, float, float]] = ()) -> list[Cell]:
    """Merge words stacked in one header cell (wrapped header text) into cells. Two stacked
    words that each name a column, or a ruling between them, are two header rows
    (基本支出 over 人员经费), not one wrapped heading."""
    across = sorted(rules)  # by y: the rulings between two words are one slice
    ys = [y for y, _, _ in across]
    stacks: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.baseline, w.x0)):
        best, best_ov = None, 0.0
        for stack in stacks:
            last = stack[-1]  # a word joins a stack only below its last one (0 < gap)
            gap = w.baseline - last.baseline
            ov = _overlap(w.x0, w.x1, last.x0, last.x1)
            if not (0 < gap <= 1.7 * w.size and ov >= 0.6 * min(w.x1 - w.x0, last.x1 - last.x0) and ov > best_ov):
                continue  # rulings and column names are asked only of words stacked close (most pairs are not)
            between = across[bisect.bisect_left(ys, last.bottom - 1):bisect.bisect_right(ys, w.top + 1)]
            ruled = any(x0 <= max(w.x0, last.x0) and x1 >= min(w.x1, last.x1)
                        for _, x0, x1 in between) or bool(spec.column_of(normalise(_stacked_text(stack))) and spec.column_of(normalise(w.text)))
            if not ruled:
                best, best_ov = stack, ov
        if best is not None:
            best.append(w)
        else:
            stacks.append([w])
    return [Cell(stack) for stack in stacks]


def with_spans(cells: list[Cell], vrules: list[tuple[float, float, float]]) -> list[Cell]:
    """Each cell's extent: between the nearest vertical rulings left and right of its text;
    without rulings, a heading centred over a run of two or more headings below it spans them."""
    across = sorted(vrules)  # by x
    xs = [x for x, _, _ in across]
    for c in cells:
        mid = (c.top + c.bottom) / 2
        left = _first_crossing(across, bisect.bisect_right(xs, c.x0 + 1) - 1, -1, mid, slack=1.0)
        right = _first_crossing(across, bisect.bisect_left(xs, c.x1 - 1), 1, mid, slack=1.0)
        if left is not None and right is not None:
            c.span = (left, right)
        else:
            c.span = _centred_over(c, cells)
    return cells


def _first_crossing(rulings: list[tuple[float, float, float]], start: int, step: int, at: float,
                    slack: float = 0.0) -> float | None:
    """The position of the first ruling that reaches `at` (within `slack`), walking from index
    `start` by `step` through rulings sorted by position (position, from, to): the nearest one
    on that side, found without a pass over every ruling of the page."""
    k = start
    while 0 <= k < len(rulings):
        position, lo, hi = rulings[k]
        if lo - slack <= at <= hi + slack:
            return position
        k += step
    return None


def _centred_over(cell: Cell, cells: list[Cell]) -> tuple[float, float] | None:
    below = sorted((o for o in cells if o.top >= cell.bottom - 1), key=lambda o: o.x0)
    best = None
    for i in range(len(below)):
        for j in range(i + 1, len(below)):
            x0, x1 = below[i].x0, max(o.x1 for o in below[i:j + 1])
            centred = abs((x0 + x1) / 2 - cell.xc) <= max(8.0, 0.25 * (cell.x1 - cell.x0)) and x0 <= cell.x0 and x1 >= cell.x1
            if centred and (best is None or x1 - x0 > best[1] - best[0]):
                best = (x0, x1)
    return best


def _is_leaf(cell: Cell, cells: list[Cell]) -> bool:
    return not any(o is not cell and o.x0 < cell.right and o.x1 > cell.left and o.top >= cell.bottom - 1 for o in cells)


# Leaf headers that only say "the amount" or "its subtotal": the column is the parent's.
GENERIC_LEAF = re.compile(r"^(小计|合计|金额|计|决算数|预算数)$")


def _leaf_key(spec: TableSpec, cell: Cell, parents: list[Cell]) -> str | None:
    """A column's key from its lowest header cell: its own words, unless they are generic and
    a merged cell printed above names the column (事业收入 / 金额, 项目支出 / 小计)."""
    own = spec.column_of(cell.text)
    if own is not None and not GENERIC_LEAF.match(cell.text):
        return own
    width = cell.x1 - cell.x0

    def spans(o: Cell) -> bool:  # a ruled merged cell spans the column; an unruled one is centred over it
        return o.left <= cell.xc <= o.right if o.span else abs(o.xc - cell.xc) <= 1.5 * (o.x1 - o.x0 + width)
    above = [(cell.top - o.bottom, k) for o in parents if o.bottom <= cell.top + 1 and spans(o) and (k := spec.column_of(o.text))]
    return min(above)[1] if above else own


def _is_label(text: str) -> bool:
    """Whether a heading (its normalised text) heads a label column: codes, names, 栏次."""
    return bool(LABEL_HEADERS.match(text) or SIDE_LABEL_HEADER.search(text) or text.isdigit())


def _whole_number(words: list[Word], i: int, labels: list[tuple[float, float]]) -> bool:
    """A bare whole number that is an amount (25, 0 in a table of 元): not under a label
    heading (codes, 栏次: `labels` are their x extents, merged) and not followed by a name
    (the code of a two-sided table's right side)."""
    w = words[i]
    if not w.text.isdigit() or not (i + 1 == len(words) or words[i + 1].is_amount or words[i + 1].text.isdigit()):
        return False
    # of the extents starting left of its end, the last reaches furthest right: the one it can overlap
    k = bisect.bisect_left(labels, (w.x1,)) - 1
    return not (k >= 0 and _overlap(*labels[k], w.x0, w.x1) > 0)


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted x extents, those that overlap merged into one."""
    out: list[list[float]] = []
    for x0, x1 in spans:
        if out and x0 < out[-1][1]:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return [(a, b) for a, b in out]


def _data_columns(lines: list[Line], labels: list[Word]) -> list[tuple[float, float]]:
    """x extents of the amount columns as printed: overlapping amounts stand in one column
    (right-aligned, centred or left-aligned alike)."""
    under = _merged(sorted({(c.x0, c.x1) for c in labels if c.x1 > c.x0}))  # an empty extent overlaps nothing
    return _merged(sorted((w.x0, w.x1) for ln in lines for i, w in enumerate(ln.words)
                          if w.is_amount or _whole_number(ln.words, i, under)))


@dataclass
class Header:
    """A table's column headings, kept for continuation pages that print none."""

    cells: list[Cell]
    labels: list[Word]  # label headings (编码, 名称, 类/款/项): a whole number under one is a code

    @classmethod
    def read(cls, cells: list[Cell], lines: list[Line]) -> "Header":
        """Label words of the header, and 类 / 款 / 项 printed below the ruling that closes it."""
        labels: list[Word] = []
        for c in cells:
            labels += c.words if _is_label(c.text) else [w for w in c.words if _is_label(normalise(w.text))]
        labels += [w for ln in lines for w in ln.words  # an amount is never a label
                   if not w.text.isdigit() and not w.is_amount and _is_label(normalise(w.text))]
        return cls(cells, labels)


def _lowest_over(pool: list[Cell], x0: float, x1: float) -> Cell | None:
    """The lowest heading over a column (the most overlap breaking a tie)."""
    hits = [(round(c.bottom), _overlap(c.x0, c.x1, x0 - 2, x1 + 2), i) for i, c in enumerate(pool) if _overlap(c.x0, c.x1, x0 - 2, x1 + 2) > 0]
    return pool[max(hits)[2]] if hits else None


def _anchors(spec: TableSpec, header: Header, lines: list[Line]) -> list[Anchor]:
    """One anchor per amount column of the data, keyed by the lowest header cell above it (or,
    for a narrow column of zeros under no header text, the nearest column heading)."""
    cells = header.cells
    columns = _data_columns(lines, header.labels)
    if spec.kind == "sangong":  # each printed column takes the key of the heading nearest it
        keyed = _sangong_anchors(spec, cells)
        return [Anchor(min(keyed, key=lambda a: abs(a.xc - (x0 + x1) / 2)).key, (x0 + x1) / 2, x1 - x0)
                for x0, x1 in columns] if keyed and columns else keyed
    heads = [c for c in cells if not _is_label(c.text)]
    leaves = [c for c in heads if _is_leaf(c, cells)]
    owners: list[Cell | None] = []
    for x0, x1 in columns:
        near = min(leaves, key=lambda c, mid=(x0 + x1) / 2: abs(c.xc - mid), default=None)
        owners.append(_lowest_over(leaves, x0, x1) or near or _lowest_over(heads, x0, x1))
    parents = [c for c in cells if all(c is not o for o in owners)]  # a column's own heading is no parent
    return [Anchor(_leaf_key(spec, o, parents) if o else None, (x0 + x1) / 2, x1 - x0)
            for (x0, x1), o in zip(columns, owners)]


def _sangong_anchors(spec: TableSpec, cells: list[Cell]) -> list[Anchor]:
    """三公 headers come interleaved (预算数/决算数 under each item), blocked (items under
    预算数 and again under 决算数: the leaves are whichever appears more often), or with one
    of the two as row labels (items as rows, or 预算数 / 决算数 rows): then that half of the key
    comes from the row's label (None here)."""
    sides = [(c, key) for c in cells if (key := sangong_side(c.text))]
    named = [c for c in cells if spec.column_of(c.text)]
    items = [(c, spec.column_of(c.text)) for c in named if _is_leaf(c, named)]  # not 公务用车购置及运行费 over its parts
    if not sides or not items:
        return [Anchor((side, None), c.xc, c.x1 - c.x0) for c, side in sides] + \
               [Anchor((None, item), c.xc, c.x1 - c.x0) for c, item in items]
    nearest = lambda c, pool: min(pool, key=lambda p: abs(p[0].xc - c.xc))[1]  # noqa: E731
    if len(sides) >= len(items):
        return [Anchor((side, nearest(c, items)), c.xc, c.x1 - c.x0) for c, side in sides]
    return [Anchor((nearest(c, sides), item), c.xc, c.x1 - c.x0) for c, item in items]


def _side_cuts(cells: list[Cell], anchors: list[Anchor], data_words: list[Word]) -> list[float]:
    """x boundaries between the sides of a multi-sided table (t01, t04, t06): right after the
    last amount column before a side's label heading, where that side's labels begin."""
    starts = sorted(c.xc for c in cells if SIDE_LABEL_HEADER.search(c.text))
    cuts = []
    for s in starts[1:]:
        edges = [a.xc + a.width / 2 for a in anchors if a.xc < s]
        if edges:
            edge = max(edges)
            after = [w.x0 for w in data_words if edge < w.x0 < s]
            cuts.append((edge + min(after, default=s)) / 2)
    return cuts


@dataclass
class TableRead:
    """A table as read: its rows, its text (to look for 本表无数据) and the unit it prints."""

    rows: list[RawRow]
    text: str
    unit: str | None


def read_table(template: Template, spec: TableSpec, pages: list[Page], warnings: list[str]) -> TableRead:
    """All rows of a table over its pages."""
    rows: list[RawRow] = []
    unit = None
    head: Header | None = None
    text = []
    for page in pages:
        lines = page.lines[:-1] if page.lines and PAGE_NUMBER.match(page.lines[-1].text) else page.lines
        titles = [title_of(ln.text, template) for ln in lines]
        first = titles.index(spec.id) + 1 if spec.id in titles else 0
        # the table ends at the next table's title (two small tables may share a page)
        stop = next((i for i in range(first, len(lines)) if titles[i] not in (None, spec.id)), len(lines))
        unit = unit or meta.unit_of([ln.text for ln in lines[first:stop]])
        lines = [ln for ln in lines[first:stop] if not SKIP_LINE.search(ln.text)]
        end = next((i for i, ln in enumerate(lines) if FOOTNOTE.match(ln.text)), len(lines))
        text.append("".join(ln.text for ln in lines))
        for block in _blocks(spec, lines[:end]):
            head = _read_block(spec, page, block, head, rows, warnings)
    return TableRead(rows, "".join(text), unit)


def _header_like(spec: TableSpec, line: Line) -> bool:
    """A heading line inside a table (a two-sided table printed one side under the other
    repeats 项目 | 金额 over its second side): no amount, a label heading and a column name."""
    if any(w.is_amount for w in line.words):
        return False
    words = [normalise(w.text) for w in line.words]
    return any(LABEL_HEADERS.match(t) for t in words) and any(spec.column_of(t) for t in words)


def _blocks(spec: TableSpec, lines: list[Line]) -> list[list[Line]]:
    """The page's lines cut before each heading line that follows data lines; the heading's
    wrapped first halves printed above it (over the amount columns, right of its 项目) go with it."""
    cuts = []
    data_seen = False   # a data line before this one
    for i, ln in enumerate(lines):
        after_data, data_seen = data_seen, data_seen or ln.is_data
        if after_data and _header_like(spec, ln):
            edge = max(w.x1 for w in ln.words if LABEL_HEADERS.match(normalise(w.text)))
            while i - 1 > (cuts[-1] if cuts else 0) and not lines[i - 1].is_data and all(w.x0 > edge for w in lines[i - 1].words):
                i -= 1
            cuts.append(i)
    return [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)])]


def _read_block(spec: TableSpec, page: Page, lines: list[Line], head: Header | None, rows: list[RawRow],
                warnings: list[str]) -> Header | None:
    """Rows of one block of a page (its own header, or the last one read); returns the header in force."""
    start = _data_start(page, lines)
    header = [w for ln in lines[:start] for w in ln.words]
    data = [w for ln in lines[start:] for w in ln.words]
    if header:
        cells = with_spans(header_cells(spec, header, page.rules), page.vrules)
        if any(spec.column_of(c.text) or (spec.kind == "sangong" and sangong_side(c.text)) for c in cells):
            head = Header.read(cells, lines[start:])
    if not data:
        return head
    anchors = _anchors(spec, head, lines[start:]) if head else []
    if not any(a.key for a in anchors):
        warnings.append(f"{spec.id} ({spec.name}) p{page.number}: no column header recognised; the page's cells were not read")
        return head
    cuts = _side_cuts(head.cells, anchors, data) if spec.kind in ("summary", "economic") else []
    rows.extend(_rows(spec, page, data, Layout(anchors, cuts), warnings))
    return head


def _data_start(page: Page, lines: list[Line]) -> int:
    """Index of the first data line; a wrapped name printed above its row's amounts but below
    the ruling that closes the header (社会保障和就 / 208 754.75 / 业支出) belongs to the data."""
    start = next((i for i, ln in enumerate(lines) if ln.is_data), len(lines))
    if start == len(lines):
        return start
    first = lines[start]
    middle = (min(w.top for w in first.words) + first.baseline) / 2
    above = [y for y, _, _ in page.rules if y < middle]
    if above:
        edge = max(above)
        while start > 0 and min(w.top for w in lines[start - 1].words) > edge:
            start -= 1
    return start


def _rows(spec: TableSpec, page: Page, data: list[Word], layout: Layout, warnings: list[str]) -> list[RawRow]:
    edges = [float("-inf"), *layout.cuts, float("inf")]
    top = min(w.top for w in data) - 2
    # the segments of one ruling share its y: each y is rounded once
    rules = sorted({round(y, 1) for y in {y for y, _, _ in page.rules if y > top}})
    sides = _sides(data, edges)
    out = []
    for side in range(len(edges) - 1):
        words = [w for w in data if sides[id(w)] == side]
        anchors = [a for a in layout.anchors if edges[side] <= a.xc < edges[side + 1]]
        if not words or not anchors:
            continue
        groups = _by_rules(words, rules, page.rules) if len(rules) >= 2 else [([], g) for g in _by_lines(spec, words)]
        for merged, group in groups:
            row = _raw_row(spec, page.number, side, group, anchors, warnings, "".join(w.text for w in merged))
            if row:
                out.append(row)
    return out


def _sides(data: list[Word], edges: list[float]) -> dict[int, int]:
    """The side of a multi-sided table each word belongs to, by x; a label that spans two
    sides (支出合计 over 功能分类 and 支出用途) goes with the amount printed on the side after it."""
    side_of = {id(w): _side(edges, w.xc) for w in data}
    if len(edges) == 2:  # one side: no label to move
        return side_of
    for line in group_lines(data):
        by_side: dict[int, list[Word]] = {}
        for w in line.words:
            by_side.setdefault(side_of[id(w)], []).append(w)
        for k in sorted(by_side)[1:]:
            here, before = by_side[k], by_side.get(k - 1, [])
            if before and all(w.is_amount for w in here) and not any(w.is_amount or w.text.isdigit() for w in before):
                size = max(w.size for w in here)
                wrapped = any(side_of[id(w)] == k and not w.is_amount and abs(w.baseline - line.baseline) <= 1.5 * size
                              for w in data)  # its own label wrapped above and below it
                if not wrapped:
                    side_of.update((id(w), k) for w in before)
    return side_of


def _side(edges: list[float], x: float) -> int:
    """The side whose edges hold x: edges ascend (each cut of _side_cuts is at or right of the
    one before), so one bisection finds it. A word placed nowhere (at no number) is an error."""
    k = bisect.bisect_right(edges, x) - 1
    if not (0 <= k < len(edges) - 1 and edges[k] <= x < edges[k + 1]):
        raise ValueError(f"a word at x = {x} is on no side of the table")
    return k


def _by_rules(words: list[Word], rules: list[float], ruled: list[tuple[float, float, float]]) -> list[tuple[list[Word], list[Word]]]:
    """Rows as the bands between rulings. A label in a vertically merged cell (no ruling
    crosses it between two rows of text) heads every row it spans: (its words, the row's words)."""
    band = {id(w): band_index((w.top + w.bottom) / 2, rules) for w in words}
    occupied = set(band.values())
    across = sorted(ruled)
    ys = [y for y, _, _ in across]
    bands: dict[int, list[Word]] = {}
    spans: dict[int, list[Word]] = {}
    for w in words:
        covered: set[int] = set()
        if not w.is_amount and not w.text.isdigit():  # only a label can be merged over rows
            mid = (w.top + w.bottom) / 2  # the nearest rulings above and below it that cross it
            above = _first_crossing(across, bisect.bisect_left(ys, mid) - 1, -1, w.xc)
            below = _first_crossing(across, bisect.bisect_right(ys, mid), 1, w.xc)
            if above is not None and below is not None:
                first, last = band_index(above + 0.1, rules), band_index(below - 0.1, rules)
                covered = {b for b in occupied if first <= b <= last} if last > first else set()
        if len(covered) >= 2 and not any(
                v is not w and band[id(v)] in covered and not v.is_amount and _overlap(v.x0, v.x1, w.x0, w.x1) > 0
                for v in words):  # another label in the same column: merely unruled, not merged
            for b in covered:
                spans.setdefault(b, []).append(w)
        else:
            bands.setdefault(band[id(w)], []).append(w)
    return [(spans.get(k, []), bands[k]) for k in sorted(bands)]


def _starts_row(spec: TableSpec, line: Line) -> bool:
    first = line.words[0]
    label = normalise("".join(w.text for w in line.words if not w.is_amount))
    if (first.is_code and len(first.text) >= 3) or ORDINAL.match(line.text) or CODE_IN_NAME.search(label):
        return True
    return bool(re.search(r"合计|总计|结余|结转|分配|人员经费|公用经费|预算数|决算数", label)) or (
        spec.kind == "summary" and bool(re.search(r"收入$|支出$", label)))


def _line_label(line: Line) -> str:
    return normalise("".join(w.text for w in line.words if not w.is_amount))


def _closed_by_codes(spec: TableSpec, lines: list[Line]) -> list[list[Word]]:
    """Names that end in their code (行政运行（2010301）) wrapped over lines, amounts beside
    the middle line: a row runs from the line after the previous code to its own code."""
    groups: list[list[Word]] = []
    current: list[Word] = []
    for ln in lines:
        label = _line_label(ln)
        if label and not current and not CODE_AFTER_NAME.search(label) and _starts_row(spec, ln):
            groups.append(list(ln.words))  # 合计 and other rows without a code
            continue
        current.extend(ln.words)
        if CODE_AFTER_NAME.search(label):
            groups.append(current)
            current = []
    return groups + ([current] if current else [])


def _by_lines(spec: TableSpec, words: list[Word]) -> list[list[Word]]:
    """Without rulings: lines that start a row anchor it, and so does a line of amounts with
    no such line within a line's height (a name wrapped above and below its amounts);
    wrapped label fragments and amounts printed on a line of their own join the nearest
    anchor line."""
    lines = group_lines(words)
    if sum(bool(CODE_AFTER_NAME.search(_line_label(ln))) for ln in lines) >= 2:
        return _closed_by_codes(spec, lines)
    starts = [i for i, ln in enumerate(lines) if _starts_row(spec, ln)]
    starts += [i for i, ln in enumerate(lines) if i not in starts and any(w.is_amount for w in ln.words)
               and not any(abs(lines[s].baseline - ln.baseline) < 1.2 * ln.words[0].size for s in starts)]
    starts = sorted(starts) or [0]
    groups: dict[int, list[Word]] = {i: [] for i in starts}
    for i, ln in enumerate(lines):
        owner = min(starts, key=lambda s: (abs(lines[s].baseline - ln.baseline), s > i))
        groups[owner].extend(ln.words)
    return [groups[i] for i in starts]


CODE_IN_NAME = re.compile(r"[（\[【]\s*(\d{3}|\d{5}|\d{7})\s*[）\]】]$|^(\d{3}|\d{5}|\d{7})(?=[^\d.,])")
CODE_AFTER_NAME = re.compile(r"[（\[【]\s*(\d{3}|\d{5}|\d{7})\s*[）\]】]$")


def _joined_code(parts: list[str]) -> str:
    """类 | 款 | 项 printed in separate columns, joined; a 款 or 项 printed without its leading
    zero (301 | 2) is two digits all the same."""
    if len(parts) > 1 and len(parts[0]) == 3:
        return parts[0] + "".join(p.zfill(2) for p in parts[1:])
    return "".join(parts)


def _raw_row(spec: TableSpec, page: int, side: int, words: list[Word], anchors: list[Anchor],
             warnings: list[str], merged: str = "") -> RawRow | None:
    words = sorted(words, key=lambda w: (round(w.baseline / 3), w.x0))
    first_amount_x = min((a.xc - a.width / 2 for a in anchors), default=float("inf"))
    amounts: list[Word] = []
    codes: list[Word] = []
    label = merged
    for w in words:
        digits = w.text.isdigit()
        # whole numbers printed in the amount columns (some producers drop the decimals) are amounts
        is_amount = w.is_amount or (digits and w.x0 >= first_amount_x)
        # codes: whole numbers left of the amounts (a split 款 may be printed without its zero: 301 | 2)
        is_code = digits and len(w.text) <= 7 and w.x1 <= first_amount_x
        if is_amount:
            amounts.append(w)
        if is_code:
            codes.append(w)
        if not (is_amount or is_code):
            label += w.text
    codes.sort(key=lambda w: w.x0)
    code = _joined_code([w.text for w in codes])
    if not code and (m := CODE_IN_NAME.search(normalise(label))):  # 小学教育（2050202）, 2050202小学教育
        code, label = m.group(1) or m.group(2), CODE_IN_NAME.sub("", normalise(label))
    row = RawRow(page=page, label=label, code=code, side=side)
    for w in amounts:
        a = min(anchors, key=lambda a: abs(a.xc - w.xc))
        if a.key is None or abs(a.xc - w.xc) > max(a.width, w.x1 - w.x0) + 12:
            warnings.append(f"{spec.id} p{page}: amount {w.text} in row '{normalise(label) or row.code}' is under no known column; left out")
            continue
        row.cells.append((a.key, amount(w.text)))
    return row if (row.label or row.code or row.cells) else None
