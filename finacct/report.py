"""A department's extraction written under reports/<department>/<year>/: the contract
JSON, the canonical xlsx and a plain HTML page of the nine tables."""
from __future__ import annotations

import html
import re
from pathlib import Path

from finacct.extract import xlsx
from finacct.model import Disclosure
from finacct.tables.specs import SPECS, TABLE_IDS


def safe_name(text: str) -> str:
    """A single path component: no separators, no dot-only names, bounded length."""
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", text).strip(" .")
    return name[:80] or "unknown"


def output_dir(d: Disclosure, root: Path) -> Path:
    return root / safe_name(d.department or Path(d.source).stem) / safe_name(str(d.year or "unknown"))


def write(d: Disclosure, root: Path) -> Path:
    """Write the three files atomically (each to a temporary name, then renamed)."""
    out = output_dir(d, root)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in (("disclosure.json", d.to_json(indent=1)), ("report.html", _html(d))):
        tmp = out / (name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out / name)
    xlsx.write(d, out / "disclosure.xlsx")
    return out


def _html(d: Disclosure) -> str:
    e = html.escape
    parts = [f"<h1>{e(d.department)} {e(str(d.year or ''))} 年度部门决算</h1>", d._repr_html_()]
    for t in TABLE_IDS:
        table = d.table(t)
        if not table.empty:
            parts.append(f"<h2>{e(t)} {e(SPECS[t].name)}</h2>" + table.to_html(index=False, na_rep="", escape=True))
    return ("<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>"
            f"{e(d.department)} {e(str(d.year or ''))}</title></head><body>{''.join(parts)}</body></html>")
