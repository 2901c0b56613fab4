"""The executed notebook as one self-contained HTML file: charts are embedded with the Vega
libraries inlined once (from vl-convert, no CDN) and external scripts are dropped, so the
report opens offline."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

VEGA_MIMES = ("application/vnd.vegalite.v6+json", "application/vnd.vegalite.v5+json")
EXTERNAL = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>|<link[^>]*\shref=\"https?://[^\"]*\"[^>]*>")


@cache
def vega_bundle() -> str:
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert
    return vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())


def _script_json(obj: object) -> str:
    """JSON safe inside <script>: a '</script>' in document text cannot close the tag."""
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


class InlineVega(Preprocessor):
    """Replace each Vega-Lite output by a div and a vegaEmbed call (SVG renderer)."""

    def preprocess_cell(self, cell, resources, index):  # type: ignore[override]
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            mime = next((m for m in VEGA_MIMES if m in data), None)
            if mime is None:
                continue
            n = resources["vega_charts"] = resources.get("vega_charts", 0) + 1
            out["data"] = {"text/html": f"<div class=\"finacct-chart\" id=\"vega-{n}\"></div><script type=\"text/javascript\">"
                                        f"finacctEmbed('vega-{n}', {_script_json(data[mime])});</script>"}
        return cell, resources


# Charts take the width of the page: a single or layered view fits its container; a faceted
# one (rows of small charts) gets the container's width less room for its row labels.
EMBED = """function finacctEmbed(id, spec) {
  var el = document.getElementById(id), w = Math.max(360, (el && el.clientWidth) || 960);
  var facet = spec.facet || spec.repeat || spec.concat || spec.hconcat || spec.vconcat || (spec.encoding && (spec.encoding.row || spec.encoding.column));
  if (facet) { spec.width = Math.max(240, w - 280); } else { spec.width = "container"; spec.autosize = {type: "fit-x", contains: "padding"}; }
  vegaEmbed(el, spec, {renderer: "svg", actions: false}).catch(console.error);
}"""
STYLE = """<style>
.jp-Notebook{max-width:1240px;margin:0 auto;padding:16px 28px}
.finacct-chart{width:100%;margin:14px 0 26px}
.jp-RenderedHTMLCommon table.fa-table{table-layout:auto;margin:6px 0 12px;font-size:13px}
.jp-RenderedHTMLCommon h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:1.6em}
</style>"""


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The page title from the report's heading (its first Markdown output starting with '# ')."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown", "")
            if isinstance(text, str) and text.startswith("# "):
                return text[2:].strip().replace(" · finacct 报告", "报告").replace("&lt;", "<").replace("&amp;", "&")
    return fallback


def export(notebook: Path, target: Path, title: str = "") -> Path:
    nb = nbformat.read(notebook, as_version=4)
    title = _title(nb, title)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code="zh")
    exporter.register_preprocessor(InlineVega(), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or notebook.stem}})
    body = EXTERNAL.sub("", body)
    body = body.replace("</head>", f"<script type=\"text/javascript\">{vega_bundle()}\n{EMBED}</script>\n{STYLE}\n</head>", 1)
    target.write_text(body, encoding="utf-8")
    return target
