"""The 情况说明 as structured claims: every amount it states with its item, the YoY change
(增加/减少 X 万元, 增长/下降 Y%), shares (占 Z%), 年初预算/决算/完成率, budget wording,
vehicle counts and the item lists of 人员经费/公用经费.

Items are recognised by the phrase before a number, looked up in ``items.csv`` (data: phrase
pattern -> table cells, section, share base); a clause without its own item continues the
current topic (与上年相比，…增加 X 万元 speaks of the amount stated just before)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd

from finacct import classify
from finacct.narrative.text import Sentence

NUM = r"\d+(?:\.\d+)?"
TOKEN = re.compile(
    rf"(?P<rate>完成(?:年初)?预算的?(?P<r>{NUM})[%％])"
    rf"|(?P<budget>(?:年初)?预算(?:数|金额)?为?(?P<b>{NUM})万元)"
    rf"|(?P<chg>(?P<cdir>增加|减少|增长|下降|降低)了?(?P<c>{NUM})万元)"
    rf"|(?P<pct>(?P<pdir>增长|下降|降低|增加|减少)(?:（[增长下降减少加低]{{2,4}}）)?(?P<p>{NUM})(?P<psign>[%％])?(?![个倍万亿元人辆次项家台\d.]))"
    rf"|(?P<share>占(?P<base>[^，,；。%％\d]{{0,24}}?)(?P<s>{NUM})\s*[%％])"
    rf"|(?P<amt>(?P<a>{NUM})万元?)"
    r"|(?P<cmp>决算数?(?P<cw>大于|小于|高于|低于|超过|[与同]预算数?(?:基本)?持平))"
    r"|(?P<flat>持平|无变化|没有变化|未发生变化)")
CLAUSE = re.compile(r"[；;：:]")
ITEM_PATH = re.compile(r"(?:^|[：:。])(?:\d+[、.．])?(?P<lei>[^：:。]+?)（类）(?P<kuan>[^：:。]+?)（款）(?P<xiang>[^：:。]+?)（项）")
LIST_INTRO = re.compile(r"主要包括$|主要用于$")
VEHICLES = re.compile(r"(?:共有车辆|公务用车保有量为?|车辆)(\d+)辆")
DOWN = ("减少", "下降", "降低")


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
    budget: float | None = None   # 年初预算 / 预算
    change: float | None = None   # signed 万元
    change_pct: float | None = None
    change_pct_text: str = ""
    change_words: str = ""
    share_pct: float | None = None
    share_pct_text: str = ""
    share_base: str = ""          # item key of the base
    rate_pct: float | None = None
    rate_text: str = ""
    flat: bool = False
    budget_wording: str = ""      # 大于 / 小于 / 持平 (决算数 vs 预算数)
    listed: list[str] = field(default_factory=list)   # 主要包括：a、b、c

    @property
    def prior(self) -> float | None:
        """The prior-year value the sentence implies (stated amount − stated change)."""
        if self.amount is None:
            return None
        if self.flat and self.change is None:
            return self.amount
        return None if self.change is None else round(self.amount - self.change, 2)


@cache
def _by_key() -> dict[str, Item]:
    return {it.key: it for it in items()}


def item(key: str) -> Item | None:
    """The lexicon entry of an item key (None for 五(三) items, which name a t05 line)."""
    return _by_key().get(key)


def _lookup(subject: str, where: str) -> tuple[Item, str] | None:
    best: tuple[Item, str] | None = None
    for it in items():
        if it.section and not re.search(it.section, where):
            continue
        m = it.pattern.search(subject)
        if m and m.group(0) and (best is None or len(m.group(0)) > len(best[1])):
            best = (it, m.group(0))
    return best


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

    def _recent(self, s: Sentence, slot: str) -> Claim | None:
        """The topic's latest claim in this section, if it has room for this statement
        (完成年初预算的 R% printed as a sentence of its own still belongs to its item)."""
        key = self.topic[0] if self.topic else ""
        last = next((c for c in reversed(self.claims) if c.section == s.section and c.key == key), None)
        return last if last is not None and getattr(last, slot) in (None, "", False) else None

    def _clause(self, s: Sentence, clause: str) -> Claim | None:
        claim: Claim | None = None
        prev = 0
        for m in TOKEN.finditer(clause):
            subject, prev = clause[prev:m.start()], m.end()
            found = _lookup(subject, self.where)
            if found and not (self.topic and found[0].pattern.search(self.topic[1])):
                self.topic, claim = (found[0].key, found[1], None), None
            kind = m.lastgroup if m.lastgroup in ("flat",) else next(k for k in ("rate", "budget", "chg", "pct", "share", "amt", "cmp", "flat") if m.group(k))
            if kind in ("amt", "budget"):
                slot = "amount" if kind == "amt" else "budget"
                if claim is None or getattr(claim, slot) is not None:
                    claim = self._new(s)
                value = float(m["a"] if kind == "amt" else m["b"])
                setattr(claim, slot, value)
                if kind == "amt":
                    claim.amount_text = m.group(0)
                continue
            if self.topic is None:
                continue
            slot = {"chg": "change", "pct": "change_pct", "share": "share_pct", "rate": "rate_pct",
                    "cmp": "budget_wording", "flat": "flat"}[kind]
            claim = claim or self._recent(s, slot) or self._new(s)
            if kind == "chg":
                claim.change = -float(m["c"]) if m["cdir"] in DOWN else float(m["c"])
                claim.change_words = m["cdir"]
            elif kind == "pct":
                claim.change_pct = -float(m["p"]) if m["pdir"] in DOWN else float(m["p"])
                claim.change_pct_text = m.group(0)
            elif kind == "share":
                claim.share_pct, claim.share_pct_text = float(m["s"]), m.group(0)
                base = _lookup(m["base"], self.where)
                claim.share_base = base[0].key if base else ""
            elif kind == "rate":
                claim.rate_pct, claim.rate_text = float(m["r"]), m.group(0)
            elif kind == "cmp":
                w = m["cw"]
                claim.budget_wording = "持平" if "持平" in w else ("大于" if w in ("大于", "高于", "超过") else "小于")
            elif kind == "flat":
                claim.flat = True
        return claim


def parse(sents: list[Sentence]) -> list[Claim]:
    """Claims of the narrative (its sentences, see text.sentences) in document order."""
    p = _Parser()
    for s in sents:
        p.sentence(s)
    for c in p.claims:   # a change stated apart from its amount borrows it
        if c.amount is None and (c.change is not None or c.change_pct is not None or c.flat or c.share_pct is not None):
            c.amount = next((b.amount for b in p.claims if b.key == c.key and b.amount is not None), None)
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
    """Claims as a DataFrame (one row each, with the implied prior-year value)."""
    rows = [{**{k: v for k, v in c.__dict__.items() if k not in ("listed",)}, "prior": c.prior} for c in claims]
    return pd.DataFrame(rows)
