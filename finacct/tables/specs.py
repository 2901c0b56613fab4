"""Templates as data: which tables a document family prints, how each title reads, what
its columns are called in headers and what the summary tables' row labels mean.

The data lives in `templates/*.toml` (one file per family, `columns.toml` and `rows.toml`
shared); this module loads it and is the one place that knows table ids. Adding a family
or a province's wording is an edit there, not in the parsers.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

# The ids the contract always lists, per kind of document; a template's others come after.
KIND_IDS = {"final": tuple(f"t0{i}" for i in range(1, 10)), "budget": tuple(f"b0{i}" for i in range(1, 10))}
TABLE_IDS = KIND_IDS["final"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # regex searched in the (merged, space-free) header path of a column


@dataclass(frozen=True)
class RowLabel:
    key: str
    pattern: str  # full-match regex on the normalised label (ordinal stripped)
    after: str = ""  # only when the previous row on this side had a key starting with this


@dataclass(frozen=True)
class TableSpec:
    id: str
    name: str
    title: str  # regex; the longest title match on a line decides the table
    kind: str  # functional | summary | economic | sangong | single
    columns: tuple[Column, ...]  # in header-matching priority order
    print_orders: tuple[tuple[str, ...], ...] = ()  # column orders by cell count, for text dumps
    side_columns: tuple[tuple[str, ...], ...] = ()  # summary tables: columns of each side
    rows: tuple[tuple[RowLabel, ...], tuple[RowLabel, ...]] = ((), ())  # summary tables: labels per side
    row: str = ""  # single-row tables: the row key of their one data row (b09's "budget")
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()  # column identities on every row: total = Σ parts

    def column_of(self, text: str) -> str | None:
        """The column key a header (or, in a transposed table, a row label) names."""
        return next((key for key, header in self._headers if header.search(text)), None)

    @cached_property
    def _headers(self) -> tuple[tuple[str, re.Pattern], ...]:
        """Each column's key and header regex, compiled once (column_of is asked of every heading)."""
        return tuple((c.key, re.compile(c.header)) for c in self.columns)


_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, eq=False)
class Template:
    """A document family: its kind (final / budget) and its tables by id. One object per
    family (TEMPLATES), equal only to itself: hashable, so what is worked out per template
    can be cached by it."""

    name: str
    kind: str
    label: str
    tables: dict[str, TableSpec]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id the contract lists for this document: the kind's standard ids (those this
        template lacks are not_required), then the template's own extra tables."""
        base = KIND_IDS[self.kind]
        return base + tuple(t for t in self.tables if t not in base)

    def status_if_absent(self, tid: str) -> str:
        return "missing" if tid in self.tables else "not_required"

    def name_of(self, tid: str) -> str:
        spec = self.tables.get(tid) or TEMPLATES["local"].tables.get(tid)
        return spec.name if spec else tid

    @cached_property
    def _titles(self) -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
        """Every title regex compiled once, and all of them as one alternation: every line of
        a document is asked, most match no title, and one search says so (so a title regex
        must not refer back to its own groups, which the alternation renumbers)."""
        titles = tuple((spec.id, re.compile(spec.title)) for spec in self.tables.values())
        return re.compile("|".join(f"(?:{p.pattern})" for _, p in titles)), titles

    def match_title(self, text: str) -> str | None:
        """Table id whose title regex matches most specifically (longest match) in a line."""
        return self._match_flat(_SPACE.sub("", text))

    def _match_flat(self, flat: str) -> str | None:
        """match_title of a line already without white space."""
        anywhere, titles = self._titles
        if not anywhere.search(flat):
            return None
        best, best_len = None, 0
        for tid, title in titles:
            m = title.search(flat)
            if m and len(m.group(0)) > best_len:
                best, best_len = tid, len(m.group(0))
        return best


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((resources.files("finacct.tables") / "templates" / name).read_text(encoding="utf-8"))


def _rows(entries: list[dict[str, str]]) -> tuple[RowLabel, ...]:
    return tuple(RowLabel(e["key"], e["pattern"], e.get("after", "")) for e in entries)


def _template(data: dict[str, Any], shared_columns: dict[str, Any], shared_rows: dict[str, Any]) -> Template:
    tables = {}
    for t in data["tables"]:
        cols = shared_columns[t["columns"]] if isinstance(t["columns"], str) else t["columns"]
        rows = tuple(_rows(t.get(f"{side}_rows", []) + data.get(f"{side}_rows", []) + shared_rows[side])
                     for side in ("income", "expenditure"))
        tables[t["id"]] = TableSpec(
            t["id"], t["name"], t["title"], t["kind"], tuple(Column(k, p) for k, p in cols),
            tuple(map(tuple, t.get("print_orders", []))), tuple(map(tuple, t.get("side_columns", []))),
            rows, t.get("row", ""), tuple((a, tuple(b)) for a, b in t.get("sums", [])))
    return Template(data["name"], data["kind"], data.get("label", data["name"]), tables)


@cache
def _load() -> dict[str, Template]:
    folder = resources.files("finacct.tables") / "templates"
    columns, rows = _data("columns.toml"), _data("rows.toml")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml") and p.name not in ("columns.toml", "rows.toml"))
    loaded = [_template(_data(n), columns, rows) for n in names]
    # local first: on a tie in recognised titles the national template wins
    return {t.name: t for t in sorted(loaded, key=lambda t: t.name != "local")}


TEMPLATES: dict[str, Template] = _load()
SPECS: dict[str, TableSpec] = TEMPLATES["local"].tables
# Every template's titles as one alternation (see Template._titles): most lines a document
# prints are no title, and one search says so for all templates at once.
_ANY_TITLE = re.compile("|".join(f"(?:{p})" for p in dict.fromkeys(s.title for t in TEMPLATES.values() for s in t.tables.values())))

# Header cells that name a side's label column: where a new side of a multi-sided table starts.
SIDE_LABEL_HEADER = re.compile(r"^项目$|^项目名称$|^项目（按功能分类）$|^功能科目名称$|科目编码$|^经济分类")
# Header cells that are label columns, never amounts.
LABEL_HEADERS = re.compile(r"^(项目|科目名称|类|款|项|类款项|类款|行次|栏次|功能分类.*|支出功能分类.*|经济分类.*|"
                           r"部门预算经济分类.*|政府预算经济分类.*|科目编码|科目代码|功能科目代码|功能科目名称|项目名称|收入|支出|项目（按功能分类）)$")
SANGONG_SIDES = (("budget", r"预算"), ("actual", r"决算"))


def sangong_side(text: str) -> str | None:
    """budget / actual for a 预算数 / 决算数 heading or row label."""
    return next((key for key, pat in SANGONG_SIDES if re.fullmatch(f"(\\d{{4}}年)?{pat}数?", text)), None)

ORDINAL = re.compile(r"^[一二三四五六七八九十]+[、.．]|^（[一二三四五六七八九十]+）")
# A table number printed before its title: 表1：, 表 1:, 公开01表, 附表3, 一、, 五、
TITLE_PREFIX = re.compile(r"^(附?表\d+[：:、.．]?|公开\d+表|[一二三四五六七八九十]+[、.．]|\d+[、.．])")

ECONOMIC_FOOTERS = (("personnel_total", r"人员经费(合计)?"), ("public_total", r"公用经费(合计)?"))
DECLARED_EMPTY = re.compile(r"本表无数据|(没有|无)[^。；]{0,30}(财政拨款|三公|经费|预算)|本表为空|空表|不涉及")
# The same said outright (本表为空表, 本部门无…预算): on a table with amounts, a note left in from the template.
SAYS_EMPTY = re.compile(r"本表无数据|本表为空|为空表|本(部门|单位)[^。；，]{0,12}(没有|无)[^。；]{0,30}(财政拨款|三公|经费|预算)")


def normalise(label: str) -> str:
    """Label text as compared with patterns: no spaces, ASCII brackets, ordinal stripped."""
    text = re.sub(r"\s+", "", label).replace("(", "（").replace(")", "）").replace(":", "：")
    return ORDINAL.sub("", text)


def match_title(text: str) -> str | None:
    """Table id of a title line in any template (the local nine when several match)."""
    flat = _SPACE.sub("", text)
    if not _ANY_TITLE.search(flat):
        return None
    return next((tid for t in TEMPLATES.values() if (tid := t._match_flat(flat))), None)


def choose_template(titles: list[str], kind: str | None = None) -> Template:
    """The template whose tables' titles a document prints most of (its 目录 and headings).
    Each template scores only the lines that are some template's title."""
    flat = {f for t in titles if _ANY_TITLE.search(f := _SPACE.sub("", t))}

    def score(t: Template) -> int:
        return len({tid for line in flat if (tid := t._match_flat(line))})

    pool = [t for t in TEMPLATES.values() if kind is None or t.kind == kind]
    return max(pool, key=score)
