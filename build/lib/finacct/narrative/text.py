"""The 情况说明 (第三部分) as sentences with page and section: the one reading of the
narrative text that claims, checks and drafts all share."""
from __future__ import annotations

import re
from dataclasses import dataclass

START = re.compile(r"^第[三3]部分")
END = re.compile(r"^第[四4]部分|^名词解释")
HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
SENTENCE_END = "。！"
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the narrative: where it is (page, 一、 and （一） headings) and its text,
    with whitespace and thousands separators removed so amounts read as numbers."""

    page: int
    section: str
    subsection: str
    text: str


def clean(line: str) -> str:
    return THOUSANDS.sub("", re.sub(r"\s+", "", line))


def narrative_lines(text: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines of 第三部分 up to 第四部分 (名词解释). A table of contents also names the
    parts, so the longest stretch wins."""
    lines = [(p, clean(t)) for p, t in text]
    best: tuple[int, int] = (0, 0)
    for i, (_, t) in enumerate(lines):
        if not START.match(t) or "说明" not in "".join(x for _, x in lines[i:i + 3]):
            continue
        end = next((j for j in range(i + 1, len(lines)) if END.match(lines[j][1])), len(lines))
        if end - i > best[1] - best[0]:
            best = (i, end)
    return [x for x in lines[best[0]:best[1]] if x[1]]


def sentences(text: list[tuple[int, str]]) -> list[Sentence]:
    """Sentences of the narrative. A heading line opens a section; a sentence may run
    over lines and pages and is dated by the page it starts on."""
    out: list[Sentence] = []
    section = subsection = ""
    buf, page = "", 0
    for p, line in narrative_lines(text)[1:]:
        if HEADING1.match(line) or HEADING2.match(line):
            if buf:
                out.append(Sentence(page, section, subsection, buf))
                buf = ""
            if HEADING1.match(line):
                section, subsection = line, ""
            else:
                subsection = line
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
