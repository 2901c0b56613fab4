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
                                        f"vegaEmbed('#vega-{n}', {_script_json(data[mime])}, {{\"renderer\": \"svg\", \"actions\": false}})"
                                        f".catch(console.error);</script>"}
        return cell, resources


def export(notebook: Path, target: Path, title: str = "") -> Path:
    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(InlineVega(), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or notebook.stem}})
    body = EXTERNAL.sub("", body)
    body = body.replace("</head>", f"<script type=\"text/javascript\">{vega_bundle()}</script>\n</head>", 1)
    target.write_text(body, encoding="utf-8")
    return target
