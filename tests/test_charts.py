"""Charts render for every real document, to PNG with Chinese glyphs and to offline HTML."""
from __future__ import annotations

import altair as alt
import pandas as pd
import pytest
from conftest import SAMPLE, corpus_file, in_yuan, render_offline

from finacct import charts, load

DOCS = ["changchun_gov_office_2023.txt", "putuo_finance_2024.pdf", "putuo_planning_resources_2024.pdf"]


def _load(name: str):
    return load(SAMPLE if name == SAMPLE.name else corpus_file(name))


def _glyph(text: str) -> bytes:
    chart = alt.Chart(pd.DataFrame({"t": [text]})).mark_text(fontSize=48).encode(text="t:N").properties(width=80, height=80)
    charts._register_font()
    import vl_convert
    return vl_convert.vegalite_to_png(chart.to_json(), scale=1)


def test_cjk_glyphs_are_drawn_not_boxes() -> None:
    """Missing glyphs all render as the same box; real glyphs differ from each other."""
    assert charts.cjk_font_dir() is not None
    images = {t: _glyph(t) for t in ("支", "出", "预", "算")}
    assert len(set(images.values())) == 4


@pytest.mark.parametrize("name", DOCS)
def test_every_chart_renders_to_png_and_offline_html(name: str, tmp_path) -> None:
    d = _load(name)
    made = charts.all_charts(d)
    assert {"structure", "basic_project", "personnel_public", "sangong", "findings", "budget_execution"} <= set(made)
    for key, chart in made.items():
        png = charts.save(chart, tmp_path / f"{key}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
        html = charts.save(chart, tmp_path / f"{key}.html").read_text(encoding="utf-8")
        assert "vega-lite" in html and "<script src=\"http" not in html and "cdn.jsdelivr" not in html


def test_structure_chart_holds_the_t05_lines() -> None:
    d = _load(DOCS[0])
    data = charts.structure(d).data
    assert len(data) == 11 and data.set_index("row").loc["2010301", "金额"] == 2980.77


def test_waterfall_steps_from_last_year_to_this() -> None:
    d, prior = _load(DOCS[0]), _load(DOCS[0])
    prior.year = 2022
    rows = (prior.facts["table"] == "t05") & prior.facts["row"].isin(["2080501", "20805", "208", "total"]) & (prior.facts["col"] == "total")
    prior.facts.loc[rows, "value"] -= 309.21
    data = charts.change_waterfall(d, prior).data
    assert list(data["步骤"]) == ["2022年", "行政单位离退休", "2023年"]
    assert data.iloc[1]["止"] - data.iloc[1]["起"] == pytest.approx(309.21)


def test_charts_name_their_channels(monkeypatch) -> None:
    """No bare "类:N" shorthand: altair turns each into its channel by hashing every class of
    the Vega-Lite schema (~7 ms each, a third of a report's charts once)."""
    d, prior = _load(DOCS[0]), _load(DOCS[0])
    prior.year = 2022
    wrapped = []
    monkeypatch.setattr(alt.utils.schemapi.SchemaBase, "from_dict", classmethod(lambda cls, *a, **k: wrapped.append(cls)))
    made = charts.all_charts(d, prior)
    assert "change_waterfall" in made and not wrapped


def test_chart_html_draws_in_a_browser_with_the_network_off(tmp_path) -> None:
    page = charts.save(charts.structure(_load(DOCS[1])), tmp_path / "structure.html")
    dom = render_offline(page)
    assert "<canvas" in dom or "<svg" in dom


def test_budget_charts_read_a_document_printed_in_yuan_in_wan() -> None:
    """The sample's 年初预算 come from its 情况说明 (万元): printed in 元, its 完成率 per 项 are the
    same, and the dumbbell's amounts are the 万元 ones (not 10,000 times the budget)."""
    d = load(SAMPLE)
    yuan = in_yuan(d)

    def rates(x) -> pd.Series:
        return pd.DataFrame(charts.budget_execution(x).layer[0].data).set_index("row")["完成率"].round(6)
    assert len(rates(d)) >= 3 and rates(yuan).equals(rates(d)) and rates(d).lt(10).all()
    amounts = [charts.budget_vs_actual(x, None).data["金额"].round(4).tolist() for x in (d, yuan)]
    assert amounts[0] == amounts[1]
