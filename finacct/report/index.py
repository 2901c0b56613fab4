"""reports/index.html: every report under the root with its key figures and status, and
every document that failed with its one-line reason. Rebuilt from the manifests on disk, so
a partial or repeated batch still gives a complete index."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from finacct.narrative.draft import amount
from finacct.report.paths import write_text_atomic

FAILURES = "failures.json"
COLUMNS = ("收入支出总计", "一般公共预算财政拨款支出", "三公经费决算")


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


def write(root: Path) -> Path:
    e = html.escape
    rows = []
    for folder, m in manifests(root):
        f = m.get("figures", {})
        link = f"{e(folder.relative_to(root).as_posix())}/report.html"
        money = "".join(f"<td class='n'>{e(amount(f[c])) if isinstance(f.get(c), (int, float)) else '—'}</td>" for c in COLUMNS)
        status = "有错误" if f.get("errors") else "通过"
        rows.append(f"<tr><td><a href=\"{link}\">{e(str(m.get('department') or '?'))}</a></td><td>{e(str(m.get('year') or '?'))}</td>"
                    f"{money}<td class='n'>{e(str(f.get('errors', '—')))}</td><td class='n'>{e(str(f.get('tables_present', '—')))}/9</td>"
                    f"<td>{status}</td><td>{e(Path(m.get('source', '')).name)}</td></tr>")
    failing = failures(root)
    failed = "".join(f"<tr><td>{e(Path(s).name)}</td><td>{e(reason)}</td></tr>" for s, reason in sorted(failing.items()))
    page = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>finacct 报告索引</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}
.n{{text-align:right}}</style></head><body><h1>部门决算报告索引</h1>
<p>{len(rows)} 份报告{f'，{len(failing)} 份文件未能处理' if failed else ''}。</p>
<table><tr><th>部门</th><th>年度</th>{''.join(f'<th>{c}（万元）</th>' for c in COLUMNS)}<th>错误数</th><th>表</th><th>核对</th><th>来源</th></tr>
{''.join(rows)}</table>
{f'<h2>未能处理的文件</h2><table><tr><th>文件</th><th>原因</th></tr>{failed}</table>' if failed else ''}
</body></html>"""
    out = root / "index.html"
    root.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, page)
    return out
