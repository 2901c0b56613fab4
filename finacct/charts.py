"""Charts: one function per chart, a Disclosure in, an Altair chart out, Chinese labels and
one theme. Encodings are channel objects (alt.Tooltip("类:N"), never the bare "类:N"): altair
turns each bare string into its channel by hashing every class of the Vega-Lite schema (~7 ms a string, a third of
a report's charts). ``save(chart, path)`` writes offline HTML (Vega libraries inlined) or PNG/SVG
with a CJK font (Noto Sans CJK SC from the ``fonts`` extra, or any CJK font the system has).
Importing this module makes charts display offline in JupyterLab (see ``offline_renderer``)."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from finacct import budget as budget_file
from finacct import reconcile
from finacct.model import Disclosure
from finacct.narrative.drivers import drivers
from finacct.tables.specs import SPECS

if TYPE_CHECKING:
    from finacct.corpus import Corpus

FONT = "Noto Sans CJK SC"
FONT_STACK = f"{FONT}, Source Han Sans SC, PingFang SC, Microsoft YaHei, SimHei, sans-serif"
SYSTEM_FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts")
PALETTE = ["#3b6ea5", "#e07b39", "#5a9e6f", "#c4493f", "#8a6bb1", "#a07a4f", "#d17fb3", "#7f7f7f"]
AMOUNT = alt.Axis(format=",.2~f", title="万元")   # 200, 1,000, 0.5: no trailing zeros on ticks, small values kept


def _amount_axis(d: Disclosure) -> alt.Axis:
    """An amount axis titled with the document's unit (万元 or 元)."""
    return alt.Axis(format=",.2~f", title=d.unit or "万元")


def theme() -> alt.theme.ThemeConfig:
    return {"config": {"font": FONT_STACK, "title": {"font": FONT_STACK, "fontSize": 15, "anchor": "start"},
                       "axis": {"labelFont": FONT_STACK, "titleFont": FONT_STACK, "labelLimit": 260},
                       "axisQuantitative": {"tickCount": 8, "labelOverlap": True},
                       "view": {"stroke": None, "continuousWidth": 560},
                       "legend": {"labelFont": FONT_STACK, "titleFont": FONT_STACK},
                       "range": {"category": PALETTE}}}


alt.theme.register("finacct", enable=True)(theme)


def offline_renderer() -> None:
    """Display charts as the Vega-Lite mimetype, which JupyterLab 4 draws with its own Vega:
    altair's default renderer loads Vega from a CDN, so on an intranet every chart is an
    "Error loading script". A renderer the user enabled is left alone."""
    if alt.renderers.active == "default":
        alt.renderers.enable("mimetype")


offline_renderer()


def _frame(d: Disclosure, table: str) -> pd.DataFrame:
    t = d.table(table)
    if t.empty:
        raise ValueError(f"{d.source}: {table} has no data to draw")
    return t


def structure(d: Disclosure) -> alt.Chart:
    """一般公共预算财政拨款支出 by 项, coloured by 类 (t05; a budget's b05)."""
    table = "b05" if d.kind == "budget" else "t05"
    t = _frame(d, table)
    names = dict(zip(t["row"], t["name"]))
    items = t[t["level"] == "项"].assign(类=lambda x: x["row"].str[:3].map(names), 款=lambda x: x["row"].str[:5].map(names),
                                       金额=lambda x: x["total"])
    total = d.value(table, "total", "total") or items["金额"].sum()
    items = items.assign(占比=items["金额"] / total)
    what = d.spec.name_of(table).removesuffix("表").removesuffix("决算").removesuffix("功能分类预算")
    return alt.Chart(items, title=f"{d.department} {d.year} {what}结构（按项，{d.unit}）").mark_bar().encode(
        x=alt.X("金额:Q", axis=_amount_axis(d)), y=alt.Y("name:N", sort="-x", title="项"),
        color=alt.Color("类:N", title="类"),
        tooltip=[alt.Tooltip("row:N", title="科目编码"), alt.Tooltip("类:N"), alt.Tooltip("款:N"), alt.Tooltip("name:N", title="项"),
                 alt.Tooltip("金额:Q", format=",.2f"), alt.Tooltip("占比:Q", format=".2%")])


def basic_project(d: Disclosure) -> alt.Chart:
    """基本支出 vs 项目支出 per 类 (t03, all funds)."""
    t = _frame(d, "t03")
    classes = t[t["level"] == "类"]
    long = classes.melt(id_vars=["row", "name"], value_vars=[c for c in ("basic", "project") if c in classes],
                        var_name="kind", value_name="金额").fillna({"金额": 0})
    long["支出"] = long["kind"].map({"basic": "基本支出", "project": "项目支出"})
    return alt.Chart(long, title=f"{d.department} {d.year} 基本支出与项目支出（按类）").mark_bar().encode(
        x=alt.X("金额:Q", axis=_amount_axis(d), stack="zero"), y=alt.Y("name:N", title="类", sort="-x"),
        color=alt.Color("支出:N", title=None),
        tooltip=[alt.Tooltip("name:N", title="类"), alt.Tooltip("支出:N"), alt.Tooltip("金额:Q", format=",.2f")])


def personnel_public(d: Disclosure) -> alt.Chart:
    """人员经费 and 公用经费 with their 经济分类 款 (t06), largest first."""
    t = _frame(d, "t06")
    items = t[(t["row"].str.len() == 5) & (t["amount"] > 0)].copy()
    items["经费"] = items["row"].str[:3].map(lambda c: "人员经费" if c in ("301", "303") else "公用经费")
    return alt.Chart(items, title=f"{d.department} {d.year} 基本支出：人员经费与公用经费").mark_bar().encode(
        x=alt.X("amount:Q", axis=_amount_axis(d)), y=alt.Y("name:N", sort="-x", title="经济分类（款）"),
        color=alt.Color("经费:N", title=None),
        tooltip=[alt.Tooltip("row:N", title="科目编码"), alt.Tooltip("name:N", title="科目"), alt.Tooltip("经费:N"),
                 alt.Tooltip("amount:Q", title="金额", format=",.2f")])


def budget_execution(d: Disclosure, budget: budget_file.Supplied = None) -> alt.LayerChart:
    """完成率 (决算 / 年初预算) per 项, with the 100% line; budgets from the budget disclosure, a file or the 情况说明."""
    d = d.in_wan()   # a stated or user's 年初预算 is in 万元, whatever the tables print
    budgets = budget_file.for_disclosure(d, budget).lines
    t = _frame(d, "t05")
    items = t[(t["level"] == "项") & t["row"].isin(budgets)].copy()
    if items.empty:
        raise ValueError(f"{d.source}: no 年初预算 per 项 (give budget=… or a narrative that states them)")
    items["年初预算"] = items["row"].map(budgets)
    items["完成率"] = items["total"] / items["年初预算"]
    items["执行"] = items["完成率"].map(lambda r: "超预算" if r > 1.0001 else "未完成" if r < 0.9999 else "持平")
    bars = alt.Chart(items, title=f"{d.department} {d.year} 年初预算完成率（按项）").mark_bar().encode(
        x=alt.X("完成率:Q", axis=alt.Axis(format="%", title="完成率（决算/年初预算）")), y=alt.Y("name:N", sort="-x", title="项"),
        color=alt.Color("执行:N", scale=alt.Scale(domain=["超预算", "持平", "未完成"], range=["#c4493f", "#7f7f7f", "#3b6ea5"]), title=None),
        tooltip=[alt.Tooltip("row:N", title="科目编码"), alt.Tooltip("name:N", title="项"),
                 alt.Tooltip("年初预算:Q", format=",.2f"), alt.Tooltip("total:Q", title="决算", format=",.2f"),
                 alt.Tooltip("完成率:Q", format=".2%")])
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="black", strokeDash=[4, 3]).encode(x=alt.X("x:Q"))
    return bars + rule


def budget_vs_actual(d: Disclosure, budget: budget_file.Supplied) -> alt.LayerChart:
    """Each 项's 年初预算 and 决算 as two points joined by a line (a dumbbell), the budget's
    source named under the title: how far each line ran over or under its budget (in 万元)."""
    d = d.in_wan()   # a stated or user's 年初预算 is in 万元, whatever the tables print
    b = budget_file.for_disclosure(d, budget)
    t = _frame(d, "t05")
    items = t[(t["level"] == "项") & t["row"].isin(b.lines)].copy()
    if items.empty:
        raise ValueError(f"{d.source}: no 项 with a 年初预算 ({b.source})")
    items["年初预算"], items["决算"] = items["row"].map(b.lines), items["total"]
    items["完成率"] = items["决算"] / items["年初预算"]
    long = items.melt(id_vars=["row", "name", "完成率"], value_vars=["年初预算", "决算"], var_name="口径", value_name="金额")
    title = alt.TitleParams(f"{d.department} {d.year} 年初预算与决算（按项，{d.unit}）", subtitle=f"年初预算来源：{b.source}")
    y = alt.Y("name:N", title="项", sort=alt.EncodingSortField("金额", op="max", order="descending"))
    tips = [alt.Tooltip("row:N", title="科目编码"), alt.Tooltip("name:N", title="项"), alt.Tooltip("口径:N"),
            alt.Tooltip("金额:Q", format=",.2f"), alt.Tooltip("完成率:Q", format=".2%")]
    line = alt.Chart(long, title=title).mark_line(color="#999").encode(x=alt.X("金额:Q", axis=_amount_axis(d)), y=y, detail=alt.Detail("row:N"))
    dots = alt.Chart(long).mark_point(filled=True, size=70).encode(
        x=alt.X("金额:Q"), y=y, color=alt.Color("口径:N", scale=alt.Scale(domain=["年初预算", "决算"], range=["#7f7f7f", "#c4493f"]), title=None),
        tooltip=tips)
    return line + dots


def completion_distribution(rates: "pd.DataFrame | Corpus") -> alt.LayerChart:
    """完成率 of every 项 across a corpus (its store's budget_execution view, or a frame with
    rate_pct), as a histogram with the 100% line."""
    if not isinstance(rates, pd.DataFrame):
        rates = rates.query("SELECT department, year, code, label, rate_pct FROM budget_execution WHERE level = '项'")
    rates = rates.dropna(subset=["rate_pct"])
    if rates.empty:
        raise ValueError("no 项 with both a budget and a final in this corpus")
    bars = alt.Chart(rates, title=f"完成率分布（{rates['department'].nunique()} 个部门，{len(rates)} 个项）").mark_bar().encode(
        x=alt.X("rate_pct:Q", bin=alt.Bin(step=10), title="完成率（决算/年初预算，%）"), y=alt.Y("count():Q", title="项数"),
        tooltip=[alt.Tooltip("count():Q", title="项数")])
    rule = alt.Chart(pd.DataFrame({"x": [100.0]})).mark_rule(color="black", strokeDash=[4, 3]).encode(x=alt.X("x:Q"))
    return bars + rule


SANGONG = {"overseas": "因公出国（境）费", "vehicle_purchase": "公务用车购置费", "vehicle_operation": "公务用车运行费",
           "reception": "公务接待费", "total": "合计"}


def sangong(d: Disclosure) -> alt.Chart:
    """三公经费 预算 vs 决算 per item (t09)."""
    f = d.facts[d.facts["table"] == "t09"]
    cells: dict[tuple[str, str], list[float]] = {}   # grouped in one pass: ten filters of the facts cost more than the chart
    for row, col, value in zip(f["row"], f["col"], f["value"]):
        cells.setdefault((row, col), []).append(value)
    rows = [{"项目": name, "口径": "预算" if side == "budget" else "决算",
             "金额": float(pd.Series(cells.get((side, col), []), dtype=float).sum())}
            for col, name in SANGONG.items() for side in ("budget", "actual")]
    return alt.Chart(pd.DataFrame(rows), title=f"{d.department} {d.year} “三公”经费 预算与决算").mark_bar().encode(
        x=alt.X("金额:Q", axis=_amount_axis(d)), y=alt.Y("口径:N", title=None, sort=["预算", "决算"]),
        row=alt.Row("项目:N", title=None, sort=list(SANGONG.values()), header=alt.Header(labelAngle=0, labelAlign="left")),
        color=alt.Color("口径:N", title=None, sort=["预算", "决算"]),
        tooltip=[alt.Tooltip("项目:N"), alt.Tooltip("口径:N"), alt.Tooltip("金额:Q", format=",.2f")])


def change_waterfall(d: Disclosure, prior: Disclosure, top: int = 8) -> alt.LayerChart:
    """From last year's 一般公共预算财政拨款支出 to this year's, step by step through the 项
    that moved most (the rest grouped)."""
    before, now = prior.value("t05", "total", "total"), d.value("t05", "total", "total")
    if before is None or now is None:
        raise ValueError("both years need t05")
    moved = drivers(d, prior, top=top, either_way=True)
    rest = round(now - before - sum(dr.delta for dr in moved), 2)
    rows, level = [{"步骤": f"{prior.year}年", "起": 0.0, "止": before, "类型": "合计"}], before
    for label, delta in [(dr.name, dr.delta) for dr in moved] + ([("其他", rest)] if rest else []):
        rows.append({"步骤": label, "起": level, "止": level + delta, "类型": "增加" if delta > 0 else "减少"})
        level += delta
    rows.append({"步骤": f"{d.year}年", "起": 0.0, "止": now, "类型": "合计"})
    frame = pd.DataFrame(rows).assign(变动=lambda x: x["止"] - x["起"])
    order = list(frame["步骤"])
    return alt.Chart(frame, title=f"{d.department} 一般公共预算财政拨款支出变动（{prior.year}→{d.year}）").mark_bar().encode(
        x=alt.X("步骤:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30)), y=alt.Y("起:Q", axis=_amount_axis(d)), y2=alt.Y2("止:Q"),
        color=alt.Color("类型:N", scale=alt.Scale(domain=["合计", "增加", "减少"], range=["#7f7f7f", "#c4493f", "#3b6ea5"]), title=None),
        tooltip=[alt.Tooltip("步骤:N"), alt.Tooltip("变动:Q", format="+,.2f")])


def performance(d: Disclosure) -> alt.Chart:
    """绩效自评: each numeric indicator's actual as a share of its target, by project."""
    from finacct.reconcile.performance import NUMBER, OPERATOR, target_met
    rows = []
    for p in d.performance:
        for i in p.get("indicators", []):
            t, a = OPERATOR.match(i["target"].replace(" ", "")), NUMBER.match(i["actual"].replace(" ", ""))
            if t and a and float(t["n"]):
                rows.append({"项目": p["project"], "指标": i["name"], "目标": i["target"], "实际": i["actual"],
                             "实际/目标": float(a["n"]) / float(t["n"]), "达成": "达成" if target_met(i) else "未达成"})
    if not rows:
        raise ValueError(f"{d.source}: no numeric performance indicators")
    return alt.Chart(pd.DataFrame(rows), title=f"{d.department} {d.year} 绩效指标：实际值 / 目标值").mark_circle(size=80).encode(
        x=alt.X("实际/目标:Q", axis=alt.Axis(format="%")), y=alt.Y("项目:N", title=None),
        color=alt.Color("达成:N", scale=alt.Scale(domain=["达成", "未达成"], range=["#5a9e6f", "#c4493f"]), title=None),
        tooltip=[alt.Tooltip("项目:N"), alt.Tooltip("指标:N"), alt.Tooltip("目标:N"), alt.Tooltip("实际:N"), alt.Tooltip("实际/目标:Q", format=".0%")])


STATUS_ORDER = ["error", "rounding", "insufficient_data", "not_applicable", "ok"]
AREAS = {"completeness": "完整性", "narrative": "情况说明", "performance": "绩效自评表"}
STATUS_NAMES = {"error": "错误", "rounding": "尾数误差", "insufficient_data": "数据不足", "not_applicable": "不适用", "ok": "相符"}


def findings_overview(d: Disclosure, findings: pd.DataFrame | None = None) -> alt.LayerChart:
    """Which identities hold, by table: counts of findings per table and status."""
    f = reconcile.check(d) if findings is None else findings
    where = f["tables"].map(lambda t: t[0] if t else "completeness")
    long = f.assign(表=where.map(lambda t: f"{t} {SPECS[t].name}" if t in SPECS else AREAS.get(t, t)))
    long = long.groupby(["表", "status"]).size().reset_index(name="数")
    long["状态"] = long["status"].map(STATUS_NAMES)
    base = alt.Chart(long, title=f"{d.department} {d.year} 核对结果（按表）").encode(
        x=alt.X("状态:N", sort=[STATUS_NAMES[s] for s in STATUS_ORDER], title=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("表:N", title=None)).properties(width=300)
    heat = base.mark_rect().encode(color=alt.Color("status:N", scale=alt.Scale(
        domain=STATUS_ORDER, range=["#c4493f", "#e0b339", "#a07a4f", "#bbbbbb", "#5a9e6f"]), legend=None),
        tooltip=[alt.Tooltip("表:N"), alt.Tooltip("状态:N"), alt.Tooltip("数:Q")])
    return heat + base.mark_text(color="white").encode(text=alt.Text("数:Q"))


# -- output ----------------------------------------------------------------------------
@cache
def cjk_font_dir() -> str | None:
    """A directory holding a CJK font: $FINACCT_FONT_DIR, the mplfonts package (the ``fonts``
    extra), or the system's Noto fonts."""
    candidates = [os.environ.get("FINACCT_FONT_DIR", "")]
    try:
        import mplfonts
        candidates.append(str(Path(mplfonts.__file__).parent / "fonts"))
    except ImportError:
        pass
    candidates += list(SYSTEM_FONT_DIRS)
    for c in candidates:
        if c and Path(c).is_dir() and any(p.suffix.lower() in (".otf", ".ttf", ".ttc") and "CJK" in p.name.upper()
                                          for p in Path(c).rglob("*")):
            return c
    return None


@cache
def _register_font() -> None:
    import vl_convert
    found = cjk_font_dir()
    if found is None:
        raise RuntimeError("no CJK font found for PNG/SVG export: pip install 'finacct[fonts]' "
                           "(or apt install fonts-noto-cjk, or set FINACCT_FONT_DIR)")
    vl_convert.register_font_directory(found)


def save(chart: alt.TopLevelMixin, path: str | Path, scale: float = 2.0) -> Path:
    """Write a chart: .html self-contained (Vega libraries inlined, works offline),
    .png / .svg rendered with a CJK font."""
    path = Path(path)
    if path.suffix in (".png", ".svg"):
        _register_font()
    if path.suffix == ".html":
        chart.save(str(path), inline=True)
    else:
        chart.save(str(path), scale_factor=scale) if path.suffix == ".png" else chart.save(str(path))
    return path


def score_ranking(scores: "pd.DataFrame | Corpus") -> alt.Chart:
    """Departments ranked by their transparency score (the store's documents, or a frame with
    department, year, score)."""
    if not isinstance(scores, pd.DataFrame):
        scores = scores.query("SELECT department, year, kind, score FROM documents WHERE score IS NOT NULL")
    if scores.empty:
        raise ValueError("no transparency score in this corpus")
    scores = scores.assign(文件=scores["department"].fillna("?") + " " + scores["year"].astype(str))
    return alt.Chart(scores, title="公开完整性评分（满分 100）").mark_bar().encode(
        x=alt.X("score:Q", title="评分", scale=alt.Scale(domain=[0, 100])), y=alt.Y("文件:N", sort="-x", title=None),
        tooltip=[alt.Tooltip("department:N"), alt.Tooltip("year:Q"), alt.Tooltip("score:Q", title="评分")])


def all_charts(d: Disclosure, prior: Disclosure | None = None, findings: pd.DataFrame | None = None,
               budget: budget_file.Supplied = None) -> dict[str, alt.TopLevelMixin]:
    """Every chart that the disclosure has data for, by name (a chart without data is skipped)."""
    makers = {"structure": lambda: structure(d), "basic_project": lambda: basic_project(d),
              "personnel_public": lambda: personnel_public(d), "budget_execution": lambda: budget_execution(d, budget or None),
              "budget_vs_actual": lambda: budget_vs_actual(d, budget or None),
              "sangong": lambda: sangong(d), "performance": lambda: performance(d),
              "findings": lambda: findings_overview(d, findings)}
    if prior is not None:
        makers["change_waterfall"] = lambda: change_waterfall(d, prior)
    out = {}
    for name, make in makers.items():
        try:
            out[name] = make()
        except ValueError:
            continue
    return out
