"""Where each table is: title lines, continuation pages, declared-empty statements."""
from __future__ import annotations

import re
from functools import lru_cache

from finacct.extract.layout import Line
from finacct.tables.specs import TITLE_PREFIX, Template, match_title

SECTION = re.compile(r"^第[一二三四五六]部分|情况说明$|^名词解释|绩效自评|^[一二三四五六七八九十]+、.{2,20}(说明|情况)$")
SPACE = re.compile(r"\s+")
NOT_TITLE = re.compile(r"[。，；：:]|《|(说明|情况|分析)$")   # sentence punctuation, or a heading of prose


@lru_cache(maxsize=4096)
def title_text(text: str) -> str | None:
    """The line without its table number, if it can be a title (short, no sentence punctuation)."""
    flat = TITLE_PREFIX.sub("", SPACE.sub("", text))
    if len(flat) > 45 or NOT_TITLE.search(flat):
        return None
    return flat


# Any table's title, known to the template or not: it ends the table before it.
ANY_TITLE = re.compile(r"(预算|决算)(明细)?表$|(预算|决算)总表$")


@lru_cache(maxsize=8192)
def title_of(text: str, template: Template | None = None) -> str | None:
    """Table id if the line is a table title of the template (of any template when None);
    "?" for the title of a table the template does not know. Remembered: locate_pages asks
    every line of a table's pages, and read_table asks them again for each table a page holds."""
    flat = title_text(text)
    if flat is None:
        return None
    tid = template.match_title(flat) if template else match_title(flat)
    return tid or ("?" if ANY_TITLE.search(flat) else None)


def _is_table_page(lines: list[Line]) -> bool:
    if any(SECTION.search(ln.text) for ln in lines[:3]):
        return False
    return any(ln.is_data for ln in lines)


def _is_contents(lines: list[Line], titles: int) -> bool:
    """A table of contents: titled 目录, or naming three or more tables without an amount."""
    return any(re.sub(r"\s+", "", ln.text) == "目录" for ln in lines) or (
        titles >= 3 and not any(w.is_amount for ln in lines for w in ln.words))


def may_hold_table(lines: list[Line]) -> bool:
    """Whether locate_pages can place a table on a page with these lines, whatever the
    template: only a title of some template's table or a row does. A page that cannot is
    passed to locate_pages as no lines (it ends the table before it either way)."""
    return any(ln.is_data for ln in lines) or any(title_of(ln.text) for ln in lines)


def locate_pages(pages: list[list[Line]], template: Template) -> dict[str, list[int]]:
    """Table id -> indexes of the pages it is printed on (several small tables may share a
    page); an untitled page of rows continues the last table. Pages for which may_hold_table
    is false may be given as no lines."""
    found: dict[str, list[int]] = {}
    current: str | None = None
    for i, lines in enumerate(pages):
        titles = [(k, t) for k, ln in enumerate(lines) if (t := title_of(ln.text, template))]
        ids = list(dict.fromkeys(t for _, t in titles))
        if _is_contents(lines, len(ids)):
            current = None
            continue
        if titles and current and _is_table_page(lines[:titles[0][0]]):
            found[current].append(i)  # the last table's rows run on above the first title
        for tid in ids:
            if tid == "?":  # a table finacct does not read ends the one before
                current = None
                continue
            if i not in found.setdefault(tid, []):
                found[tid].append(i)
            current = tid
        if not ids:
            if current and lines and _is_table_page(lines):
                found[current].append(i)
            else:
                current = None
    return found


def locate_lines(lines: list[str], template: Template) -> dict[str, tuple[int, int, int]]:
    """Text dumps: table id -> (first line index, end index, 1-based line reported as its
    page: the 公开0N表 label near the title when printed, else the title line)."""
    starts: list[tuple[int, str]] = []
    for i, text in enumerate(lines):
        tid = title_of(text, template)
        if tid and (tid == "?" or tid not in {t for _, t in starts}):
            starts.append((i, tid))
    out = {}
    for k, (i, tid) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else next(
            (j for j in range(i + 1, len(lines)) if SECTION.search(lines[j].strip())), len(lines))
        label = next((j for j in range(i, min(i + 6, end)) if re.match(r"\s*公开\d+表", lines[j])), i)
        out[tid] = (i, end, label + 1)
    out.pop("?", None)
    return out
