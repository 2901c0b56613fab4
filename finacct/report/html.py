"""The executed notebook as HTML that opens offline. Charts are drawn by vega-embed (SVG)
from their specs inline; what every report shares — the Vega libraries (built by vl-convert,
no CDN) and the notebook's styles — is written once into the reports folder's _static/ and
referenced relatively, so each report.html stays small and a reports folder is self-contained.
External scripts are dropped."""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

import nbformat
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor

from finacct.report.paths import write_text_atomic

STATIC = "_static"   # beside the report folders, under the reports root
VEGA_MIMES = ("application/vnd.vegalite.v6+json", "application/vnd.vegalite.v5+json")
EXTERNAL = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>|<link[^>]*\shref=\"https?://[^\"]*\"[^>]*>")
HEAD_STYLE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S)


@cache
def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script. vl-convert takes seconds to bundle them,
    so the bundle is kept in the user's cache, one file per altair and vl-convert version."""
    kept = _cached_bundle()
    if kept is not None and kept.is_file():
        return kept.read_text(encoding="utf-8")
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert
    text = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    if kept is not None:
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(kept, text)
        except OSError:
            pass   # no writable cache: the next process bundles again
    return text


def _cached_bundle() -> Path | None:
    try:
        versions = f"altair-{version('altair')}-vl-convert-{version('vl-convert-python')}"
    except PackageNotFoundError:
        return None
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "finacct" / f"vega-{versions}.js"


def _shared_file(static: Path, stem: str, suffix: str, text: str) -> Path:
    """static/<stem>-<hash of text><suffix>, written (atomically) unless it is there already:
    reports built by different versions each keep the file they name."""
    digest, size = _digest(text)
    target = static / f"{stem}-{digest}{suffix}"
    if not (target.is_file() and target.stat().st_size == size):
        static.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, text)
    return target


@lru_cache(maxsize=8)
def _digest(text: str) -> tuple[str, int]:
    """The name-giving hash of a shared file's text and its size in bytes, worked out once per
    process for the same text (the 0.9 MB Vega bundle is the same for every report)."""
    data = text.encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16], len(data)


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
                return html.unescape(text[2:].strip().replace(" · finacct 报告", "报告"))
    return fallback


class ReportExporter(HTMLExporter):
    """nbconvert's lab HTML exporter without the last step of HTMLExporter.from_notebook_node,
    a BeautifulSoup pass over the whole page (two thirds of a report's export) that only adds
    alt text to <img> elements (a report has none: its charts are SVG drawn by vega-embed) and
    tabindex to the cells (a report's wide tables carry their own). Mirrors nbconvert 7's method
    otherwise: its per-notebook filter is registered per notebook, the code highlighter once in
    _exporter() (inputs are excluded)."""

    def from_notebook_node(self, nb: nbformat.NotebookNode, resources: dict | None = None, **kw: object) -> tuple[str, dict]:  # type: ignore[override]
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                                       resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@cache
def _exporter() -> HTMLExporter:
    """One exporter per process: its templates are compiled once, not once per report; the
    notebook validated once after the preprocessors, not after each of them. Markdown headings
    get no ¶ anchor: nbconvert adds it through ElementTree, which writes every Chinese character
    of the heading as a numeric reference (the report's sections carry ids of their own)."""
    exporter = ReportExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                              language_code="zh", optimistic_validation=True, exclude_anchor_links=True)
    exporter.register_filter("highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=exporter))   # inputs are excluded
    exporter.register_preprocessor(InlineVega(), enabled=True)
    return exporter


def prepare() -> None:
    """What a process's first report would otherwise wait for: the exporter with its templates
    compiled (by exporting an empty notebook) and the Vega bundle read. A batch worker does it
    as it warms up."""
    _exporter().from_notebook_node(nbformat.v4.new_notebook())
    vega_bundle()


def _href(path: Path, at: Path) -> str:
    """path as a relative URL from the folder `at`, quoted for an attribute."""
    return html.escape(quote(Path(os.path.relpath(path, at)).as_posix()), quote=True)


def export(nb: nbformat.NotebookNode, target: Path, static: Path, at: Path | None = None, title: str = "") -> Path:
    """Write nb as target; the shared script and styles go to the folder `static`, linked
    relatively from `at`, the folder target will be read in (its own folder unless it is built
    in a temporary one)."""
    at = at or target.parent
    title = _title(nb, title)
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title or target.stem}})
    head, end, rest = EXTERNAL.sub("", body).partition("</head>")
    styles = _shared_file(static, "notebook", ".css", "\n".join(m[1] for m in HEAD_STYLE.finditer(head)))
    vega = _shared_file(static, "vega", ".js", vega_bundle())
    shared = (f"<link rel=\"stylesheet\" href=\"{_href(styles, at)}\">\n{STYLE}\n<script src=\"{_href(vega, at)}\"></script>\n"
              f"<script type=\"text/javascript\">{EMBED}</script>\n")
    target.write_text(HEAD_STYLE.sub("", head) + shared + end + rest, encoding="utf-8")
    return target
