"""reports/index.html, the corpus's front page: every report under the root with its key
figures (in 万元), 三公, errors, tables read and completeness, in a table that sorts and
filters in the browser; a few corpus charts; every document that failed with its reason in
Chinese. Rebuilt from the manifests on disk, so a partial or repeated batch still gives a
complete index. One file with its script and charts inline (plain JS, SVG): it opens offline
and from a shared folder."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from finacct.narrative.numbers import amount
from finacct.report.paths import write_text_atomic
from finacct.tables.meta import to_wan

FAILURES = "failures.json"
KINDS = {"final": "决算", "budget": "预算"}
# Each kind's four key figures (report/sections.py FIGURES) side by side: one column per position.
COLUMNS = (("收入支出总计", "收入预算"), ("本年支出合计", "支出预算"), ("一般公共预算财政拨款支出", "一般公共预算支出预算"),
           ("三公经费决算", "三公经费预算"))
HEADERS = ("收支总计", "本年支出", "一般公共预算支出", "“三公”经费")

# The one-line reasons a document fails with (finacct/errors.py, batch limits, papermill), in Chinese.
REASONS = (
    (r"timed out after ([\d.]+) ?s", r"处理超时（超过 \1 秒）"),
    (r"memory limit (\d+) MB", r"处理进程退出，可能超出内存上限（\1 MB）"),
    (r"MemoryError|Cannot allocate memory", "内存不足"),
    (r"worker died", "处理进程意外退出"),
    (r"no such file|FileNotFoundError|No such file", "文件不存在"),
    (r"is a folder", "是文件夹，不是文件"),
    (r"the file is empty|\bempty\b", "文件为空"),
    (r"truncated", "PDF 文件不完整（被截断），请重新获取完整文件"),
    (r"encrypted|password", "PDF 已加密（有密码保护）"),
    (r"no text layer|OCR", "扫描件，没有文字层（需先做 OCR）"),
    (r"has no pages", "PDF 没有页面"),
    (r"not a disclosure|no table of a", "不是部门决算或部门预算公开文件（未找到任何已知的表）"),
    (r"not a PDF, xlsx or text", "不是 PDF、xlsx 或文本文件"),
    (r"not a readable xlsx|not a finacct spreadsheet", "不是 finacct 可读的 xlsx 表格"),
    (r"not a readable PDF", "PDF 已损坏，无法读取"),
    (r"DeadKernelError|kernel died", "生成报告的内核意外退出"),
    (r"CellTimeoutError|Timeout", "生成报告超时"),
    (r"PapermillExecutionError|CellExecutionError", "生成报告时出错"),
)


def reason_zh(reason: str) -> str:
    """A failure's one-line reason in Chinese (the English original stays in the page's tooltip)."""
    for pat, zh in REASONS:
        m = re.search(pat, reason)
        if m:
            return m.expand(zh)
    return "处理失败"


def manifests(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for m in sorted(root.glob("*/*/manifest.json")):
        try:
            out.append((m.parent, json.loads(m.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return out


def failures(root: Path) -> dict[str, str]:
    try:
        return json.loads((root / FAILURES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _json_field(path: Path, *keys: str) -> Any:
    try:
        value: Any = json.loads(path.read_text(encoding="utf-8"))
        for k in keys:
            value = value[k]
        return value
    except (OSError, ValueError, KeyError, TypeError):
        return None


def row(root: Path, folder: Path, m: dict[str, Any]) -> dict[str, Any]:
    """One report as the index shows it: figures in 万元, counts, completeness, score."""
    f = m.get("figures", {})
    kind = f.get("kind") or ("budget" if folder.name.endswith("-budget") or "收入预算" in f else "final")
    unit = f.get("unit") or _json_field(folder / "disclosure.json", "unit") or "万元"
    scale = to_wan(unit)
    money = []
    for names in COLUMNS:
        v = f.get(names[1] if kind == "budget" else names[0])
        money.append(round(v * scale, 2) if isinstance(v, (int, float)) else None)
    expected = f.get("tables_expected") or 9
    read = f.get("tables_read", f.get("tables_present"))
    return {"department": str(m.get("department") or "?"), "year": m.get("year"), "kind": kind, "money": money,
            "errors": f.get("errors"), "rounding": f.get("rounding"), "read": read, "expected": expected,
            "completeness": f.get("completeness", round(100 * (f.get("tables_present") or 0) / expected, 1)),
            "score": _json_field(folder / "findings.json", "score", "value"),
            "link": f"{folder.relative_to(root).as_posix()}/report.html", "source": Path(m.get("source", "")).name}


# -- charts: inline SVG, no library ---------------------------------------------------------------
COLORS = {"决算": "#3b6ea5", "预算": "#e07b39", "错误": "#c4493f", "评分": "#5a9e6f"}


def bars(title: str, items: list[tuple[str, list[tuple[str, float]]]], unit: str = "", fmt: str = "{:,.2f}") -> str:
    """A horizontal bar chart as SVG: one group per label, one bar per series, each with its
    value written beside it (so a small value is still read, even where its bar is a sliver)."""
    if not items:
        return ""
    e = html.escape
    label_w, width, bar_h, gap = 340, 1300, 16, 8
    top = max((v for _, series in items for _, v in series), default=0) or 1
    plot = width - label_w - 110
    y, parts = 34, []
    for label, series in items:
        group_h = bar_h * len(series)
        parts.append(f"<text x='{label_w - 8}' y='{y + group_h / 2 + 4:.0f}' text-anchor='end' class='l'>{e(label)}</text>")
        for name, v in series:
            w = max(0.0, v / top * plot)
            parts.append(f"<rect x='{label_w}' y='{y}' width='{w:.1f}' height='{bar_h - 2}' fill='{COLORS.get(name, '#3b6ea5')}'>"
                         f"<title>{e(label)} {e(name)}：{e(fmt.format(v))}{e(unit)}</title></rect>"
                         f"<text x='{label_w + w + 4:.1f}' y='{y + bar_h - 5}' class='v'>{e(fmt.format(v))}</text>")
            y += bar_h
        y += gap
    legend = "".join(f"<rect x='{label_w + 120 * i}' y='{y + 4}' width='10' height='10' fill='{COLORS.get(n, '#3b6ea5')}'/>"
                     f"<text x='{label_w + 120 * i + 14}' y='{y + 13}' class='l' text-anchor='start'>{e(n)}</text>"
                     for i, n in enumerate(dict.fromkeys(n for _, s in items for n, _ in s)))
    height = y + 24
    return (f"<figure class='chart'><svg viewBox='0 0 {width} {height}' width='100%' role='img' aria-label='{e(title)}'>"
            f"<text x='0' y='18' class='t'>{e(title)}</text>{''.join(parts)}{legend}</svg></figure>")


def corpus_charts(rows: list[dict[str, Any]]) -> str:
    """Errors per document, 三公 by department (latest final and budget), the score if known."""
    def name(r: dict[str, Any]) -> str:
        return f"{r['department']} {r['year'] or ''} {KINDS[r['kind']]}"
    errors = sorted((r for r in rows if isinstance(r["errors"], int)), key=lambda r: (-r["errors"], name(r)))
    out = [bars("核对错误数（按文件）", [(name(r), [("错误", float(r["errors"]))]) for r in errors], " 条", "{:,.0f}")]
    latest: dict[str, dict[str, float]] = {}
    for r in sorted(rows, key=lambda r: r["year"] or 0):
        if r["money"][3] is not None:
            latest.setdefault(r["department"], {})[KINDS[r["kind"]]] = r["money"][3]
    sangong = [(dept, [(k, v[k]) for k in ("预算", "决算") if k in v]) for dept, v in sorted(latest.items(), key=lambda x: -max(x[1].values()))]
    out.append(bars("“三公”经费（按部门，最近年度，万元）", sangong, " 万元"))
    scored = sorted((r for r in rows if isinstance(r["score"], (int, float))), key=lambda r: -r["score"])
    if scored:
        out.append(bars("公开完整性评分（满分 100）", [(name(r), [("评分", float(r["score"]))]) for r in scored], " 分", "{:g}"))
    return "".join(out)


SCRIPT = """
(function () {
  var table = document.getElementById('docs'), body = table.tBodies[0];
  var q = document.getElementById('q'), kind = document.getElementById('kind'), errs = document.getElementById('errs');
  var shown = document.getElementById('shown');
  function value(row, i, num) {
    var c = row.cells[i], v = c.getAttribute('data-v');
    if (v === null) v = c.textContent.trim();
    if (num) { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
    return v;
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.addEventListener('click', function () {
      var num = th.getAttribute('data-type') === 'num', asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = value(a, i, num), y = value(b, i, num);
        var r = num ? x - y : String(x).localeCompare(String(y), 'zh');
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  function filter() {
    var text = q.value.trim().toLowerCase(), k = kind.value, n = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      var ok = (!text || r.textContent.toLowerCase().indexOf(text) >= 0) && (!k || r.getAttribute('data-kind') === k)
               && (!errs.checked || parseInt(r.getAttribute('data-errors') || '0', 10) > 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n;
  }
  q.addEventListener('input', filter); kind.addEventListener('change', filter); errs.addEventListener('change', filter);
  filter();
})();
"""

STYLE = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1500px;
padding:0 1.5em;color:#1f2328}h1{font-size:24px}h2{font-size:19px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:1.8em}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #d0d7de;padding:4px 8px}th{background:#f6f8fa}
#docs th{cursor:pointer;user-select:none}#docs th:after{content:" ↕";color:#aaa}#docs th[aria-sort=ascending]:after{content:" ▲";color:#333}
#docs th[aria-sort=descending]:after{content:" ▼";color:#333}.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bad{color:#c4493f;font-weight:bold}.muted{color:#6e7781;font-size:90%}.controls{margin:10px 0;display:flex;gap:16px;align-items:center}
.controls input[type=search]{width:260px;padding:4px}.charts{display:grid;grid-template-columns:1fr;gap:10px}
figure.chart{margin:0}svg .t{font-size:15px;font-weight:bold}svg .l{font-size:12px;fill:#333}svg .v{font-size:11px;fill:#555}
tr[hidden]{display:none}td.dept{white-space:nowrap}td.src{max-width:180px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#docs{width:100%}"""


def write(root: Path) -> Path:
    e = html.escape
    rows = [row(root, folder, m) for folder, m in manifests(root)]
    body = []
    for r in rows:
        money = "".join(f"<td class='n' data-v='{v if v is not None else ''}'>{e(amount(v)) if v is not None else '—'}</td>" for v in r["money"])
        errors = r["errors"] if isinstance(r["errors"], int) else None
        tables = f"{r['read']}/{r['expected']}" if r["read"] is not None else "—"
        score = f"{r['score']:g}" if isinstance(r["score"], (int, float)) else "—"
        status = "有错误" if errors else "通过" if errors == 0 else "—"
        body.append(
            f"<tr data-kind='{r['kind']}' data-errors='{errors or 0}'><td class='dept'><a href=\"{e(r['link'])}\">{e(r['department'])}</a></td>"
            f"<td class='n'>{e(str(r['year'] or '?'))}</td><td>{KINDS[r['kind']]}</td>{money}"
            f"<td class='n{' bad' if errors else ''}' data-v='{errors if errors is not None else ''}'>{errors if errors is not None else '—'}</td>"
            f"<td class='n'>{e(str(r['rounding'] if r['rounding'] is not None else '—'))}</td>"
            f"<td class='n' data-v='{r['read'] if r['read'] is not None else ''}'>{tables}</td>"
            f"<td class='n' data-v='{r['completeness']}'>{r['completeness']:g}%</td><td class='n' data-v='{score if score != '—' else ''}'>{score}</td>"
            f"<td class='dept'>{status}</td><td class='muted src' title=\"{e(r['source'])}\">{e(r['source'])}</td></tr>")
    failing = failures(root)
    failed = "".join(f"<tr><td>{e(Path(s).name)}</td><td title=\"{e(reason)}\">{e(reason_zh(reason))}</td></tr>"
                     for s, reason in sorted(failing.items()))
    kinds = {r["kind"] for r in rows}
    title = "部门决算与预算报告索引" if kinds == {"final", "budget"} else "部门预算报告索引" if kinds == {"budget"} else "部门决算报告索引"
    heads = ("<th data-type='text'>部门</th><th data-type='num'>年度</th><th data-type='text'>类型</th>"
             + "".join(f"<th data-type='num'>{h}</th>" for h in HEADERS)
             + "<th data-type='num'>错误</th><th data-type='num'>尾数</th><th data-type='num'>读到的表</th>"
               "<th data-type='num'>表齐全</th><th data-type='num'>公开评分</th><th data-type='text'>核对</th><th data-type='text'>来源文件</th>")
    page = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>finacct {title}</title>
<style>{STYLE}</style></head><body><h1>{title}</h1>
<p>{len(rows)} 份报告{f'，{len(failing)} 份文件未能处理（见文末）' if failing else ''}。
金额单位：万元（以元公开的文件已换算）；决算文件列决算数，预算文件列预算数。点击表头排序，输入文字筛选。</p>
<div class="controls"><input type="search" id="q" placeholder="筛选：部门、年度、文件名…">
<label>类型 <select id="kind"><option value="">全部</option><option value="final">决算</option><option value="budget">预算</option></select></label>
<label><input type="checkbox" id="errs"> 只看有错误的</label><span class="muted">显示 <span id="shown">{len(rows)}</span> / {len(rows)} 份</span></div>
<table id="docs"><thead><tr>{heads}</tr></thead><tbody>
{''.join(body)}</tbody></table>
<h2>全部文件一览</h2><div class="charts">{corpus_charts(rows)}</div>
{f'<h2>未能处理的文件（{len(failing)}）</h2><table><tr><th>文件</th><th>原因（鼠标停留可见原始信息）</th></tr>{failed}</table>' if failed else ''}
<script>{SCRIPT}</script>
</body></html>"""
    out = root / "index.html"
    root.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, page)
    return out
