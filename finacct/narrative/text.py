"""The 情况说明 as sentences with page and section: the one reading of the narrative text that
claims, checks and drafts all share.

Where the narrative stands is recognised by its headings, whatever the template: a part whose
heading says it explains the accounts or the budget (第三部分 …部门决算情况说明, 三、决算报表说明,
2024年部门预算编制说明, 第三部分 …预算安排情况说明, 其他相关情况说明) runs until the next part
that does not (名词解释, the tables, project descriptions). A document may have several such
parts (a budget's 编制说明 before its tables and 其他相关情况说明 after them)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from finacct.tables.specs import match_title

ORDINAL = r"(?:第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])?"
# A heading line opens a 情况说明 part (the department's name and the year may stand before its title).
OPENS = re.compile(rf"^{ORDINAL}[^，。；]{{0,40}}?(?:(?:决算|预算)(?:编制|安排)?(?:情况|报表)?|其他(?:相关)?情况)说明$"
                   r"|^第[一二三四五六七八九十\d]+部分[^，。；]{0,40}说明$|^(?:[一二三四五六七八九十]+、)?(?:部门|单位)?情况说明$")
# A heading line that starts what follows the narrative.
CLOSES = re.compile(rf"^{ORDINAL}[^，。；]{{0,40}}?(?:名词解释|(?:决算|预算)报?表|项目(?:经费|支出)?(?:情况说明|绩效)|绩效(?:目标|自评)表)$"
                    r"|^附[件表]\d*[：:]?$|^第[一二三四五六七八九十\d]+部分")
HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
SENTENCE_END = "。！"
FIGURE = re.compile(r"\d(?:万元|亿元|元|[%％])")
PAGE_NUMBER = re.compile(r"^\d{1,3}$")
CHART = re.compile(r"^(?:\d+(?:\.\d+)?[%％])+$")   # a chart's labels, printed as lines of their own
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})|(?<=\d)，(?=\d{3}(?:[，.]\d|[万亿元]))")
# One spelling of digits and brackets: full-width digits and decimal point (１２．５) as ASCII, ASCII
# brackets as full-width (公共安全(类) as 公共安全（类）), as templates print them.
FULL_WIDTH = str.maketrans("０１２３４５６７８９．()", "0123456789.（）")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the narrative: where it is (page, 一、 and （一） headings) and its text,
    with whitespace and thousands separators removed so amounts read as numbers."""

    page: int
    section: str
    subsection: str
    text: str


def clean(line: str) -> str:
    return THOUSANDS.sub("", re.sub(r"\s+", "", line).translate(FULL_WIDTH))


def _opens(lines: list[tuple[int, str]], i: int) -> bool:
    """A part heading of the narrative, also when its last words wrap onto the next line."""
    t = lines[i][1]
    nxt = lines[i + 1][1] if i + 1 < len(lines) else ""
    return bool(OPENS.match(t) or len(nxt) <= 10 and OPENS.match(t + nxt))


def _closes(t: str) -> bool:
    """A heading of what follows the narrative, or a table's title (a 说明 heading names a table too)."""
    return bool(CLOSES.search(t)) or len(t) <= 40 and "说明" not in t and not re.search("[，。；]", t) and match_title(t) is not None


def _heading(t: str) -> bool:
    return bool(HEADING1.match(t) or HEADING2.match(t) or OPENS.match(t) or t.isdigit())


def parts(cleaned: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The narrative's parts, each its lines (page, cleaned text) from its heading on, out of
    the document's cleaned lines (Disclosure.lines). A table of contents names the parts too,
    but holds nothing under them: it is left out."""
    lines = [x for x in cleaned if x[1]]
    out: list[list[tuple[int, str]]] = []
    start: int | None = None
    for i in range(len(lines) + 1):
        at_end = i == len(lines)
        if start is not None and (at_end or i > start and not _opens(lines, i) and _closes(lines[i][1])):
            part = lines[start:i]
            if not OPENS.match(part[0][1]) and len(part) > 1:   # the heading's last words wrapped onto the next line
                part = [(part[0][0], part[0][1] + part[1][1]), *part[2:]]
            if not all(_heading(t) for _, t in part[1:]):
                out.append(part)
            start = None
        if start is None and not at_end and _opens(lines, i):
            start = i
    return out


def narrative_lines(narrative: list[list[tuple[int, str]]]) -> list[tuple[int, str]]:
    """Every line of the narrative's parts (parts()), headings included."""
    return [x for part in narrative for x in part]


def sentences(narrative: list[list[tuple[int, str]]]) -> list[Sentence]:
    """Sentences of the narrative. A heading line opens a section (a heading that states a
    figure, （一）因公出国（境）费0万元，与上年持平。, is also the sentence it starts); a sentence
    may run over lines and pages and is dated by the page it starts on. Page numbers are left
    out, and a chart's percentages end the sentence before them."""
    out: list[Sentence] = []
    for part in narrative:
        section = subsection = ""
        buf, page = "", 0
        for p, line in part[1:]:
            heading = HEADING1.match(line) or HEADING2.match(line)
            if heading or CHART.match(line):
                if buf:
                    out.append(Sentence(page, section, subsection, buf))
                    buf = ""
                if HEADING1.match(line):
                    section, subsection = line, ""
                elif heading:
                    subsection = line
                if not heading or not FIGURE.search(line):
                    continue
            if PAGE_NUMBER.match(line):
                continue
            for piece in re.split(f"(?<=[{SENTENCE_END}])", line):
                if not piece:
                    continue
                if not buf:
                    page = p
                buf += piece
                if buf[-1] in SENTENCE_END:
                    out.append(Sentence(page, section, subsection, buf))
                    buf = ""
        if buf:
            out.append(Sentence(page, section, subsection, buf))
    return out
