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
from typing import TYPE_CHECKING

import pandas as pd

from finacct import classify
from finacct.narrative.text import Sentence

if TYPE_CHECKING:
    from finacct.model import Disclosure

NUM = r"\d+(?:\.\d+)?"
MONEY = r"亿元|万元?|元"   # the units an amount may carry; claims hold 万元 (0.39万: 万元 with its 元 left out)
TO_WAN = {"亿元": 10_000.0, "万元": 1.0, "万": 1.0, "元": 0.0001}


def precision(text: str) -> float:
    """Half a unit of the last digit of an amount as printed, in 万元 (25万元: 0.5; 1.2亿元: 500):
    how far a stated figure may honestly lie from the table's."""
    m = re.search(rf"({NUM})({MONEY})", text) or re.search(rf"({NUM})()", text)
    return 0.5 * 10 ** -len(m.group(1).partition(".")[2]) * TO_WAN[m.group(2) or "万元"] if m else 0.0
BUDGET = r"年初预算|调整(?:后的?)?预算|全年预算|预算"   # the bases a 预算 comparison or rate may name
UP, DOWN = ("增加|增长|上升", "减少|下降|降低")
RATE = "增幅|涨幅|降幅|减幅"   # the rate of a change, with its direction (增幅为 12.25%)
FLAT = "持平|无变化|没有变化|未发生变化|保持不变|一致|相同"
YEAR = r"20\d\d"
TOKEN = re.compile(
    rf"(?P<rate>(?:(?:完成|占|为|达到?)(?P<rbase>{BUDGET})(?:数|金额)?的?|(?P<rbase2>{BUDGET})?(?:执行|完成)率(?:为|达到?)?)"
    rf"(?P<r>{NUM})[%％])"
    rf"|(?P<budget>(?P<bname>{BUDGET})(?:数|金额)?为?(?P<b>{NUM})(?P<bu>{MONEY}))"
    rf"|(?P<chg>(?P<cdir>{UP}|{DOWN})了?(?P<c>{NUM})(?P<cu>{MONEY}))"
    rf"|(?P<pct>(?P<pdir>{UP}|{DOWN}|{RATE})(?:（[增长下降减少加低升]{{2,4}}）)?(?:为|达)?(?P<p>{NUM})(?P<psign>[%％])?(?![个倍万亿元人辆次项家台\d.]))"
    rf"|(?P<share>占(?P<base>[^，,；。%％\d]{{0,24}}?)(?P<s>{NUM})\s*[%％])"
    rf"|(?P<prev>(?:上年度?|上一年度?|去年|(?P<py>{YEAR})年度?(?:当年)?)(?:同期)?(?:预算执行数|(?:预算|决算)数?|支出|数)?(?:为|是|的)?（?"
    rf"(?P<v>{NUM})(?P<vu>{MONEY}))"
    rf"|(?P<approx>(?:约|近|逾|将近|大约)为?{NUM}(?:{MONEY})|{NUM}余(?:{MONEY}))"   # 约6900万元: no figure to check
    rf"|(?P<amt>(?P<a>{NUM})(?P<au>{MONEY}))"
    rf"|(?P<cmp>决算数?[比较]?(?P<cw>大于|小于|高于|低于|超过|超出|少于|多于|未超过|未超出)(?P<cbase>{BUDGET})"
    rf"|决算数?[与同](?P<cbase2>{BUDGET})数?(?:基本)?持平)"
    rf"|(?P<why>(?P<ww>{UP}|{DOWN})的?(?:主要)?原因)"
    rf"|(?<![不未非])(?P<flat>{FLAT})")
# What a comparison word says of a − b (this year's value against its 预算 or last year's).
SENSE: dict[str, frozenset[int]] = {
    **{w: frozenset({1}) for w in ("增加", "增长", "上升", "增幅", "涨幅", "大于", "高于", "超过", "超出", "多于")},
    **{w: frozenset({-1}) for w in ("减少", "下降", "降低", "降幅", "减幅", "小于", "低于", "少于")},
    **{w: frozenset({0}) for w in FLAT.split("|")},
    **{w: frozenset({-1, 0}) for w in ("未超过", "未超出")},
}
# Which figure a comparison measures against, said before its word: the last anchor in the clause wins.
ANCHOR = re.compile(rf"(?P<budget>(?:比|较|与|同|大于|小于|高于|低于|超过|超出)(?:{BUDGET})|预决算)|(?P<prior>(?:比|较|与|同)(?:上年|上一年|去年|{YEAR})|同比)")
PRIOR_YEAR = re.compile(rf"(?:比|较|与|同)({YEAR})年")
CLAUSE = re.compile(r"[；;：:]")
# A 项 the narrative names by its path, as templates print it: 类（类）款（款）项（项） (the 类 may head the
# section instead: （一）公共安全（类）), “类-款-项”科目, or 项（code）.
ITEM_PATHS = (
    re.compile(r"(?:^|[：:。])(?:\d+[、.．])?“?(?:(?P<lei>[^：:。“]+?)（类）)?(?P<kuan>[^：:。“]+?)（款）(?P<xiang>[^：:。”]+?)（项）”?"),
    re.compile(r"(?:^|[：:。])?(?:\d+[、.．])?“(?P<lei>[^：:。“”-]+)-(?P<kuan>[^：:。“”]+)-(?P<xiang>[^：:。“”-]+)”(?:科目)?"),
    re.compile(r"(?:^|[：:。])(?:\d+[、.．])?(?P<xiang>[^：:。，\d（]+)（(?P<code>\d{7})）"),
)
HEADING_CLASS = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)])?(?P<lei>[^（）]+)（类）")
# A subject that names an item right before its figure (教育支出 425.00万元, 收入总计为): an item the
# lexicon does not know, which must not be taken for the topic before it.
NAMED = re.compile(r"(?<!年度)(?<!当年)(?<!本年)(?<!全年)(?<!上年)(?<!各项)(?<=[\u4e00-\u9fff]{2})"
                   r"(?:支出|收入|经费|费|资金|结余|结转|总计|合计|总额|拨款)(?:预算|决算)?(?:数|金额)?(?:为|是|达到?|共计)?$")
LIST_INTRO = re.compile(r"主要包括$|主要用于$")
MOVED = re.compile(rf"^[^\d，]{{0,4}}?({UP}|{DOWN})(?!的)[^\d]*$")   # after an item's name, the word for the amount it moved by
LEAD = re.compile(r"^[，,]?(?:其中|包括|主要用于|具体)")   # X万元，其中：… (the parts that follow are shares of X)
VEHICLES = re.compile(r"(?:共有车辆|公务用车保有量为?|(?<!购置)(?<!购买)(?<!新增)(?<!更新)车辆)(\d+)辆")   # held, not bought


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
        if len(code) == 3:   # 教育支出, 公共安全（类）支出, 一般公共服务（类）: the stem alone (其他) names nothing
            stem = re.escape(re.sub(r"支出$", "", name))
            refs = (f"t05:{code}:total", f"t04:exp.{code}:general_budget", f"t01:exp.{code}:amount", f"t03:{code}:total",
                    f"b05:{code}:total", f"b04:exp.{code}:general_budget", f"b01:exp.{code}:amount", f"b03:{code}:total")
            rows.append(Item(f"class:{code}", re.compile(f"{stem}(（类）)?支出(（类）)?|{stem}（类）"), refs, "", "gb_expenditure"))
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
    budget_text: str = ""
    budget_adjusted: float | None = None   # 调整预算 / 全年预算
    budget_adjusted_name: str = ""
    share_pct: float | None = None
    share_pct_text: str = ""
    share_base: str = ""          # item key of the base
    rates: list[Rate] = field(default_factory=list)   # 完成年初预算的 R%，完成调整预算的 R'%
    comparisons: list[Comparison] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)   # 主要包括：a、b、c
    code: str = ""                # the 项's function code where the narrative prints it (小学教育（2050202）)
    whole: float | None = None    # the amount the sentence opened with, the whole its shares may be of
    whole_text: str = ""

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


def item_cells(doc: "Disclosure", key: str, role: str = "amount") -> list[tuple[float, tuple[str, str, str]]]:
    """The figures an item may be printed as in a document's tables, in 万元 as a narrative states
    them, each with its (table, row, col), in the order items.csv gives them. A blank cell of a
    printed table is 0; a column its template does not print is no cell. `role` amount is the
    document's own figure (a budget's is its 预算, a final's its 决算); budget asks for the 预算
    of the items whose tables print both (三公)."""
    entry = item(key)
    out = []
    for text in (entry.refs if entry else ()):
        if "{role}" not in text and role == "budget":
            continue
        table, row, col = text.replace("{role}", "budget" if role == "budget" or doc.kind == "budget" else "actual").split(":")
        spec = doc.spec.tables.get(table)
        if doc.tables.get(table, {}).get("status") in ("present", "declared_empty") and spec and any(c.key == col for c in spec.columns):
            out.append(((doc.value(table, row, col) or 0.0) * doc.wan, (table, row, col)))
    return out


@cache
def _in_section(where: str) -> tuple[Item, ...]:
    """The lexicon entries a section (its 一、 and （一） headings) may speak of."""
    return tuple(it for it in items() if not it.section or re.search(it.section, where))


def _lookup(subject: str, where: str) -> tuple[Item, str] | None:
    """The item a subject names: the longest name (the first of equal ones), in the subject's
    last phrase if it names one (…决算中，因公出国（境）费支出决算为 speaks of 因公出国（境）费)."""
    for phrase in dict.fromkeys((re.split("[，,]", subject)[-1], subject)):
        best: tuple[Item, re.Match] | None = None
        for it in _in_section(where):
            m = it.pattern.search(phrase)
            if m and m.group(0) and (best is None or (len(m.group(0)), -m.start()) > (len(best[1].group(0)), -best[1].start())):
                best = (it, m)
        if best:
            return best[0], best[1].group(0)
    return None


def _anchor(before: str) -> re.Match | None:
    """What the clause compares with before its word: the last 比预算 / 比上年 anchor, if any."""
    found = list(ANCHOR.finditer(before))
    return found[-1] if found else None


def wan(m: re.Match) -> tuple[float, str]:
    """The amount a token states, in 万元, and the amount as printed (its unit says its precision)."""
    value, unit = next((m[v], m[u]) for v, u in (("a", "au"), ("b", "bu"), ("c", "cu"), ("v", "vu")) if m[v] is not None)
    return float(value) * TO_WAN[unit], value + unit


def _moved(phrase: str, found: tuple[Item, str] | None) -> str | None:
    """The direction word after the item a figure's phrase names, or opening it, with words
    between (基本支出增加机关事业单位养老保险、职业年金缴费等 X 万元: 基本支出 moved by X), if any."""
    i = phrase.rfind(found[1]) if found else -1
    m = MOVED.match(phrase[i + len(found[1]):] if found and i >= 0 else phrase)
    return m.group(1) if m else None


def _earlier_year(text: str) -> str | None:
    """Of two years a sentence names (2022年决算数为…，2023年决算数为…), the earlier: the one compared with."""
    years = sorted(set(re.findall(rf"({YEAR})年", text)))
    return years[0] if len(years) > 1 else None


class _Parser:
    def __init__(self) -> None:
        self.claims: list[Claim] = []
        self.topic: tuple[str, str, tuple | None, str] | None = None   # key, printed item, path, code
        self.where = ""
        self.prior_year: str | None = None   # the year the sentence compares with (比2022年), or the earlier of two it names
        # the sentence's first figure (its claim, value, text) when 其中 follows it; False when it does not
        self.whole: tuple[Claim, float, str] | bool | None = None

    def sentence(self, s: Sentence) -> None:
        where = s.section + s.subsection
        if where != self.where:
            self.where, self.topic = where, None
        text = s.text
        path = next((m for m in (r.search(text) for r in ITEM_PATHS) if m), None)
        if path:   # the path names the topic; its words (一般公共服务支出（类）…) are no subject of their own
            code = path.groupdict().get("code") or ""
            lei = path.groupdict().get("lei") or next((m["lei"] for h in (s.subsection, s.section) if (m := HEADING_CLASS.match(h))), "")
            names = (lei.strip("“"), path.groupdict().get("kuan") or "", path["xiang"])
            self.topic = ("item:" + path["xiang"], path["xiang"], None if code else names, code)
            text = text[:path.start()] + (text[path.start()] if text[path.start()] in "：:。" else "，") + text[path.end():]
        self.prior_year = (m := PRIOR_YEAR.search(text)) and m.group(1) or _earlier_year(text)
        pending_list: Claim | None = None
        for clause in CLAUSE.split(text):
            if pending_list is not None:
                pending_list.listed = [x for x in re.split(r"[、，,]", clause.rstrip("。等")) if x]
                pending_list = None
                continue
            claim = self._clause(s, clause)
            if claim is not None and LIST_INTRO.search(clause):
                pending_list = claim
        self.whole = None

    def _new(self, s: Sentence) -> Claim:
        key, item, path, code = self.topic or ("", "", None, "")
        c = Claim(len(self.claims) + 1, s.page, s.section, s.text, item, key, path, code=code)
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
            subject, prev = clause[prev:m.start()] + (m["bname"] or ""), m.end()   # 支出预算 X 万元 names 支出预算
            found = _lookup(subject, self.where)
            if found and not (self.topic and found[0].pattern.search(self.topic[1])):
                self.topic, claim = (found[0].key, found[1], None, ""), None
            elif not found and NAMED.search(subject):   # an item the lexicon does not know: nothing to say of it
                self.topic, claim = None, None
            kind = m.lastgroup   # each alternative is one group around all its own: the one closed last
            if kind == "approx":
                continue
            if kind == "prev" and m["py"] and m["py"] != self.prior_year:   # 2023年度决算数为 X 万元: this year's
                kind = "amt"
            phrase, word = re.split("[，,]", subject)[-1], m["cdir"]
            if kind == "amt" and self.prior_year and f"{self.prior_year}年" in phrase:   # 2022年度收、支总计 X 万元: last year's
                kind = "prev"
            elif kind == "amt" and (moved := _moved(phrase, found)):
                kind, word = "chg", moved
            if kind in ("amt", "budget"):
                slot = "amount" if kind == "amt" else "budget_adjusted" if basis(m["bname"]) == "调整" else "budget"
                if claim is None or getattr(claim, slot) is not None:
                    claim = self._new(s)
                value, text = wan(m)
                setattr(claim, slot, value)
                if self.whole is None:
                    self.whole = (claim, value, text) if LEAD.match(clause[m.end():]) else False
                if kind == "amt":
                    claim.amount_text = text
                else:
                    setattr(claim, slot + "_name", m["bname"])
                    claim.budget_text = claim.budget_text or text
                continue
            if self.topic is None or kind == "why" and not found:   # a cause names its item, or speaks of another
                continue
            if kind == "share":
                claim = claim or self._recent(s, lambda c: c.share_pct is None) or self._new(s)
                claim.share_pct, claim.share_pct_text = float(m["s"]), m.group(0)
                base = _lookup(m["base"], self.where)
                claim.share_base = base[0].key if base else ""
                if self.whole and self.whole[0] is not claim:
                    claim.whole, claim.whole_text = self.whole[1:]
            elif kind == "rate":
                claim = claim or self._recent(s, lambda c: not c.rates) or self._new(s)
                claim.rates.append(Rate(float(m["r"]), m.group(0), m["rbase"] or m["rbase2"] or "预算"))
            else:
                claim = self._comparison(s, claim, kind, m, clause[:m.start()], word)
        return claim

    def _comparison(self, s: Sentence, claim: Claim | None, kind: str, m: re.Match, before: str, word: str | None) -> Claim:
        anchor = _anchor(before)
        against = "budget" if kind == "cmp" else anchor.lastgroup if anchor else "prior"
        part = {"chg": "diff", "pct": "pct", "prev": "base"}.get(kind, "words")
        claim, x = self._compare(s, claim, against, part)
        if kind == "chg":
            value, printed = wan(m)
            x.diff, x.diff_text = signed(word, value), word + printed
            x.words.append(word)
        elif kind == "pct":
            x.pct, x.pct_text = signed(m["pdir"], float(m["p"])), m.group(0)
            x.words.append(m["pdir"])
        elif kind == "prev":
            x.base = wan(m)[0]
        elif kind == "cmp":
            x.words.append(m["cw"] or "持平")
            x.base_name = m["cbase"] or m["cbase2"]
        else:
            x.words.append(m["ww"] if kind == "why" else m.group(0))
        if against == "budget" and not x.base_name:
            named = re.search(BUDGET, anchor.group(0)) if anchor else None
            x.base_name = named.group(0) if named else "预算"
        return claim


def parse(sents: list[Sentence], budget: bool = False) -> list[Claim]:
    """Claims of the narrative (its sentences, see text.sentences) in document order. A budget's
    narrative (`budget`) states this year's figures, which are its 预算: there a stated 预算
    (预算数为 X 万元) is the item's amount, for the checks, the drafts and claims.json alike."""
    p = _Parser()
    for s in sents:
        p.sentence(s)
    for c in p.claims:   # a change stated apart from its amount borrows it, from its own section first
        if c.amount is None and (c.comparisons or c.share_pct is not None):
            same = [b for b in p.claims if b.key == c.key and b.path == c.path and b.amount is not None]
            c.amount = next((b.amount for b in same if b.section == c.section), same[0].amount if same else None)
    for c in p.claims if budget else ():   # after the borrowing, which lends amounts stated as such only
        if c.amount is None and c.budget is not None:
            c.amount, c.amount_text, c.budget, c.budget_name, c.budget_text = c.budget, c.budget_text, None, "", ""
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
