"""The 情况说明 as structured claims: every amount it states with its item, shares (占 Z%),
年初预算 / 调整预算 / 决算 and 完成率 with the 预算 it names, every comparison as one class
wherever it stands (决算数大于预算数, 比年初预算减少 X 万元, 比上年增加 X 万元，增长 Y%, 与上年持平,
公务接待费减少的主要原因: its words, what it compares with, the difference and percentage printed
beside them), vehicle counts and the item lists of 人员经费/公用经费.

Items are recognised by the phrase before a number, looked up in ``items.csv`` (data: phrase
pattern -> table cells, section, share base); a clause without its own item continues the
current topic (与上年相比，…增加 X 万元 speaks of the amount stated just before)."""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd

from finacct import classify
from finacct.narrative.text import Sentence

NUM = r"\d+(?:\.\d+)?"
BUDGET = r"年初预算|调整(?:后的?)?预算|全年预算|预算"   # the bases a 预算 comparison or rate may name
UP, DOWN = ("增加|增长|上升", "减少|下降|降低")
TOKEN = re.compile(
    rf"(?P<rate>(?:(?:完成|占|为|达到?)(?P<rbase>{BUDGET})(?:数|金额)?的?|(?P<rbase2>{BUDGET})?(?:执行|完成)率(?:为|达到?)?)"
    rf"(?P<r>{NUM})[%％])"
    rf"|(?P<budget>(?P<bname>{BUDGET})(?:数|金额)?为?(?P<b>{NUM})万元)"
    rf"|(?P<chg>(?P<cdir>{UP}|{DOWN})了?(?P<c>{NUM})万元)"
    rf"|(?P<pct>(?P<pdir>{UP}|{DOWN})(?:（[增长下降减少加低升]{{2,4}}）)?(?P<p>{NUM})(?P<psign>[%％])?(?![个倍万亿元人辆次项家台\d.]))"
    rf"|(?P<share>占(?P<base>[^，,；。%％\d]{{0,24}}?)(?P<s>{NUM})\s*[%％])"
    rf"|(?P<prev>(?:上年度?|上一年度?|去年)(?:同期)?(?:决算数?|支出|数)?(?:为|是|的)?(?P<v>{NUM})万元)"
    rf"|(?P<amt>(?P<a>{NUM})万元?)"
    rf"|(?P<cmp>决算数?[比较]?(?P<cw>大于|小于|高于|低于|超过|超出|少于|多于|未超过|未超出)(?P<cbase>{BUDGET})"
    rf"|决算数?[与同](?P<cbase2>{BUDGET})数?(?:基本)?持平)"
    rf"|(?P<why>(?P<ww>{UP}|{DOWN})的?(?:主要)?原因)"
    r"|(?P<flat>持平|无变化|没有变化|未发生变化)")
KINDS = ("rate", "budget", "chg", "pct", "share", "prev", "amt", "cmp", "why", "flat")
# What a comparison word says of a − b (this year's value against its 预算 or last year's).
SENSE: dict[str, frozenset[int]] = {
    **{w: frozenset({1}) for w in ("增加", "增长", "上升", "大于", "高于", "超过", "超出", "多于")},
    **{w: frozenset({-1}) for w in ("减少", "下降", "降低", "小于", "低于", "少于")},
    **{w: frozenset({0}) for w in ("持平", "无变化", "没有变化", "未发生变化")},
    **{w: frozenset({-1, 0}) for w in ("未超过", "未超出")},
}
# Which figure a comparison measures against, said before its word: the last anchor in the clause wins.
ANCHOR = re.compile(rf"(?P<budget>(?:比|较|与|同|大于|小于|高于|低于|超过|超出)(?:{BUDGET})|预决算)|(?P<prior>(?:比|较|与|同)(?:上年|上一年|去年|20\d\d)|同比)")
CLAUSE = re.compile(r"[；;：:]")
ITEM_PATH = re.compile(r"(?:^|[：:。])(?:\d+[、.．])?(?P<lei>[^：:。]+?)（类）(?P<kuan>[^：:。]+?)（款）(?P<xiang>[^：:。]+?)（项）")
LIST_INTRO = re.compile(r"主要包括$|主要用于$")
VEHICLES = re.compile(r"(?:共有车辆|公务用车保有量为?|车辆)(\d+)辆")


def basis(name: str) -> str:
    """The base a 预算 word names: 年初 (年初预算), 调整 (调整预算, 全年预算), or "" (预算, either)."""
    return "年初" if name.startswith("年初") else "调整" if name.startswith(("调整", "全年")) else ""


def signed(word: str, value: float) -> float:
    return -value if -1 in SENSE[word] else value


@dataclass(frozen=True)
class Item:
    key: str
    pattern: re.Pattern
    refs: tuple[str, ...]
    section: str
    base: str


@cache
def items() -> tuple[Item, ...]:
    """The item lexicon: ``items.csv`` plus one entry per 功能分类 类 (its share of 一般公共预算)."""
    with resources.files(__package__).joinpath("items.csv").open(encoding="utf-8") as fh:
        rows = [Item(r["key"], re.compile(r["pattern"]), tuple(r["refs"].split()), r["section"], r["base"])
                for r in csv.DictReader(fh)]
    for code, name in classify.names("functional").items():
        if len(code) == 3:
            stem = re.escape(re.sub(r"支出$", "", name))
            refs = (f"t05:{code}:total", f"t04:exp.{code}:general_budget", f"t01:exp.{code}:amount")
            rows.append(Item(f"class:{code}", re.compile(f"{stem}(支出)?(（类）)?"), refs,
                             "一般公共预算", "gb_expenditure"))
    return tuple(rows)


@dataclass
class Comparison:
    """One comparison the narrative makes of an item: this year's value `a` against its 预算
    (``against`` budget: 决算数大于预算数, 比年初预算减少 X 万元) or against last year's
    (prior: 比上年增加 X 万元，增长 Y%, 与上年持平), with every word that says which way it
    went and the difference and percentage printed beside them."""

    against: str                      # budget | prior
    page: int                         # where it is first said (a 决算数小于预算数 may follow its figures)
    sentence: str
    words: list[str] = field(default_factory=list)   # 增加, 增长, 持平, 小于 … as printed, all about this comparison
    base_name: str = ""               # the 预算 it names (年初预算, 调整预算, 预算), budget comparisons
    diff: float | None = None         # a − b as stated (signed by its word)
    diff_text: str = ""
    pct: float | None = None          # (a − b) / b × 100 as stated (signed by its word)
    pct_text: str = ""
    base: float | None = None         # b as stated (上年为 X 万元)

    @property
    def senses(self) -> frozenset[int]:
        """The signs of a − b every word allows (empty when two words contradict each other)."""
        out = frozenset({-1, 0, 1})
        for w in self.words:
            out &= SENSE[w]
        return out


@dataclass
class Rate:
    """A 完成率 / 执行率 as stated (完成年初预算的 R%, 占调整预算的 R%) and the 预算 it names."""

    pct: float
    text: str
    base: str                         # 年初预算, 调整预算, 全年预算, or 预算 (not said which)


@dataclass
class Claim:
    """One statement of the narrative about one item."""

    id: int
    page: int
    section: str
    sentence: str
    item: str                     # the phrase as printed
    key: str = ""                 # items.csv key, class:<code>, item:<xiang> for 五(三) paths
    path: tuple[str, str, str] | None = None   # 类/款/项 names as printed in 五(三)
    amount: float | None = None   # 决算 / stated amount
    amount_text: str = ""
    budget: float | None = None   # 年初预算, or 预算 when the sentence names no kind
    budget_name: str = ""
    budget_adjusted: float | None = None   # 调整预算 / 全年预算
    budget_adjusted_name: str = ""
    share_pct: float | None = None
    share_pct_text: str = ""
    share_base: str = ""          # item key of the base
    rates: list[Rate] = field(default_factory=list)   # 完成年初预算的 R%，完成调整预算的 R'%
    comparisons: list[Comparison] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)   # 主要包括：a、b、c

    def comparison(self, against: str) -> Comparison | None:
        return next((x for x in self.comparisons if x.against == against), None)

    @property
    def rate_pct(self) -> float | None:
        """The first 完成率 stated (the one tables of claims carry)."""
        return self.rates[0].pct if self.rates else None

    @property
    def change(self) -> float | None:
        """The change from last year as stated (signed 万元)."""
        x = self.comparison("prior")
        return x.diff if x else None

    @property
    def change_pct(self) -> float | None:
        x = self.comparison("prior")
        return x.pct if x else None

    @property
    def flat(self) -> bool:
        """Said unchanged from last year (持平, 无变化)."""
        x = self.comparison("prior")
        return x is not None and x.senses == {0}

    @property
    def prior(self) -> float | None:
        """The prior-year value the sentence states or implies (stated amount − stated change)."""
        x = self.comparison("prior")
        if x is None or x.base is not None:
            return x.base if x else None
        if self.amount is None:
            return None
        if x.diff is not None:
            return round(self.amount - x.diff, 2)
        return self.amount if x.senses == {0} else None


@cache
def _by_key() -> dict[str, Item]:
    return {it.key: it for it in items()}


def item(key: str) -> Item | None:
    """The lexicon entry of an item key (None for 五(三) items, which name a t05 line)."""
    return _by_key().get(key)


@cache
def _in_section(where: str) -> tuple[Item, ...]:
    """The lexicon entries a section (its 一、 and （一） headings) may speak of."""
    return tuple(it for it in items() if not it.section or re.search(it.section, where))


def _lookup(subject: str, where: str) -> tuple[Item, str] | None:
    best: tuple[Item, str] | None = None
    for it in _in_section(where):
        m = it.pattern.search(subject)
        if m and m.group(0) and (best is None or len(m.group(0)) > len(best[1])):
            best = (it, m.group(0))
    return best


def _anchor(before: str) -> re.Match | None:
    """What the clause compares with before its word: the last 比预算 / 比上年 anchor, if any."""
    found = list(ANCHOR.finditer(before))
    return found[-1] if found else None


class _Parser:
    def __init__(self) -> None:
        self.claims: list[Claim] = []
        self.topic: tuple[str, str, tuple | None] | None = None   # key, printed item, path
        self.where = ""

    def sentence(self, s: Sentence) -> None:
        where = s.section + s.subsection
        if where != self.where:
            self.where, self.topic = where, None
        path = ITEM_PATH.search(s.text)
        if path:
            self.topic = ("item:" + path["xiang"], path["xiang"], (path["lei"], path["kuan"], path["xiang"]))
        pending_list: Claim | None = None
        for clause in CLAUSE.split(s.text):
            if pending_list is not None:
                pending_list.listed = [x for x in re.split(r"[、，,]", clause.rstrip("。等")) if x]
                pending_list = None
                continue
            claim = self._clause(s, clause)
            if claim is not None and LIST_INTRO.search(clause):
                pending_list = claim

    def _new(self, s: Sentence) -> Claim:
        key, item, path = self.topic or ("", "", None)
        c = Claim(len(self.claims) + 1, s.page, s.section, s.text, item, key, path)
        self.claims.append(c)
        return c

    def _recent(self, s: Sentence, room: Callable[[Claim], bool]) -> Claim | None:
        """The topic's latest claim in this section, if it has room for this statement
        (完成年初预算的 R% or 决算数小于预算数 printed as a sentence of its own still belongs to its item)."""
        key = self.topic[0] if self.topic else ""
        last = next((c for c in reversed(self.claims) if c.section == s.section and c.key == key), None)
        return last if last is not None and room(last) else None

    def _compare(self, s: Sentence, claim: Claim | None, against: str, part: str) -> tuple[Claim, Comparison]:
        """The comparison a word or figure belongs to: the clause's claim or the topic's latest
        one, unless it already states this part (a word alone always joins)."""
        def room(c: Claim) -> bool:
            x = c.comparison(against)
            return x is None or part == "words" or getattr(x, part) is None
        claim = claim or self._recent(s, room) or self._new(s)
        x = claim.comparison(against)
        if x is None or not room(claim):
            x = Comparison(against, s.page, s.text)
            claim.comparisons.append(x)
        return claim, x

    def _clause(self, s: Sentence, clause: str) -> Claim | None:
        claim: Claim | None = None
        prev = 0
        for m in TOKEN.finditer(clause):
            subject, prev = clause[prev:m.start()], m.end()
            found = _lookup(subject, self.where)
            if found and not (self.topic and found[0].pattern.search(self.topic[1])):
                self.topic, claim = (found[0].key, found[1], None), None
            kind = next(k for k in KINDS if m.group(k))
            if kind in ("amt", "budget"):
                slot = "amount" if kind == "amt" else "budget_adjusted" if basis(m["bname"]) == "调整" else "budget"
                if claim is None or getattr(claim, slot) is not None:
                    claim = self._new(s)
                setattr(claim, slot, float(m["a"] if kind == "amt" else m["b"]))
                if kind == "amt":
                    claim.amount_text = m.group(0)
                else:
                    setattr(claim, slot + "_name", m["bname"])
                continue
            if self.topic is None or kind == "why" and not found:   # a cause names its item, or speaks of another
                continue
            if kind == "share":
                claim = claim or self._recent(s, lambda c: c.share_pct is None) or self._new(s)
                claim.share_pct, claim.share_pct_text = float(m["s"]), m.group(0)
                base = _lookup(m["base"], self.where)
                claim.share_base = base[0].key if base else ""
            elif kind == "rate":
                claim = claim or self._recent(s, lambda c: not c.rates) or self._new(s)
                claim.rates.append(Rate(float(m["r"]), m.group(0), m["rbase"] or m["rbase2"] or "预算"))
            else:
                claim = self._comparison(s, claim, kind, m, clause[:m.start()])
        return claim

    def _comparison(self, s: Sentence, claim: Claim | None, kind: str, m: re.Match, before: str) -> Claim:
        anchor = _anchor(before)
        against = "budget" if kind == "cmp" else anchor.lastgroup if anchor else "prior"
        part = {"chg": "diff", "pct": "pct", "prev": "base"}.get(kind, "words")
        claim, x = self._compare(s, claim, against, part)
        if kind == "chg":
            x.diff, x.diff_text = signed(m["cdir"], float(m["c"])), m.group(0)
            x.words.append(m["cdir"])
        elif kind == "pct":
            x.pct, x.pct_text = signed(m["pdir"], float(m["p"])), m.group(0)
            x.words.append(m["pdir"])
        elif kind == "prev":
            x.base = float(m["v"])
        elif kind == "cmp":
            x.words.append(m["cw"] or "持平")
            x.base_name = m["cbase"] or m["cbase2"]
        else:
            x.words.append(m["ww"] if kind == "why" else m.group(0))
        if against == "budget" and not x.base_name:
            named = re.search(BUDGET, anchor.group(0)) if anchor else None
            x.base_name = named.group(0) if named else "预算"
        return claim


def parse(sents: list[Sentence]) -> list[Claim]:
    """Claims of the narrative (its sentences, see text.sentences) in document order."""
    p = _Parser()
    for s in sents:
        p.sentence(s)
    for c in p.claims:   # a change stated apart from its amount borrows it
        if c.amount is None and (c.comparisons or c.share_pct is not None):
            c.amount = next((b.amount for b in p.claims if b.key == c.key and b.path == c.path and b.amount is not None), None)
    return [c for c in p.claims if c.key]


def vehicle_counts(sents: list[Sentence]) -> list[tuple[Sentence, list[int]]]:
    """Each sentence stating a vehicle total, with every 辆 count it gives (total first)."""
    out = []
    for s in sents:
        m = VEHICLES.search(s.text)
        if m:
            out.append((s, [int(x) for x in re.findall(r"(\d+)辆", s.text[m.start():])]))
    return out


def frame(claims: list[Claim]) -> pd.DataFrame:
    """Claims as a DataFrame (one row each, with the change from last year as stated and the
    prior-year value it implies)."""
    rows = [{**{k: v for k, v in c.__dict__.items() if k not in ("listed", "comparisons", "rates")}, "rate_pct": c.rate_pct,
             "change": c.change, "change_pct": c.change_pct, "flat": c.flat, "prior": c.prior} for c in claims]
    return pd.DataFrame(rows)
