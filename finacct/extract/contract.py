"""finacct's own JSON (`finacct extract --json`, and the answer keys in its shape) read back
as a source, validated: a bad field is one line naming where it is, never a traceback or a
disclosure with silently missing numbers."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finacct.errors import UnreadableError
from finacct.model import SCHEMA, Disclosure
from finacct.tables.specs import KIND_IDS, TEMPLATES

MAX_BYTES = 256 << 20          # a disclosure's JSON is a few MB at most
FINDINGS = "finacct.findings/1"


def read(path: Path) -> Disclosure:
    if path.stat().st_size > MAX_BYTES:
        raise UnreadableError(f"{path.name}: {path.stat().st_size >> 20} MB of JSON (limit {MAX_BYTES >> 20} MB); refused")
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        raise UnreadableError(f"{path.name}: JSON that is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise UnreadableError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema == FINDINGS:
        raise UnreadableError(f"{path.name}: finacct's findings (check --json), not a disclosure; give the document or its extract --json")
    if schema != SCHEMA:
        raise UnreadableError(f"{path.name}: JSON without \"schema\": \"{SCHEMA}\" — not a disclosure finacct wrote")
    _validate(path.name, data)
    d = Disclosure.from_contract(data)
    d.source = str(data.get("source") or path.name)
    return d


def _validate(name: str, data: dict[str, Any]) -> None:
    def bad(where: str, why: str) -> UnreadableError:
        return UnreadableError(f"{name}: {where}: {why}")

    kind, template, year = data.get("kind", "final"), data.get("template", "local"), data.get("year")
    if kind not in KIND_IDS:
        raise bad("kind", f"{kind!r} is neither 'final' nor 'budget'")
    if template not in TEMPLATES:
        raise bad("template", f"{template!r} is not one of {', '.join(sorted(TEMPLATES))}")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100):
        raise bad("year", f"{year!r} is not a year like 2023")
    for key in ("department", "unit", "source"):
        if not isinstance(data.get(key, ""), str):
            raise bad(key, f"{data[key]!r} is not text")
    for part in ("facts", "extra_facts"):
        facts = data.get(part, [])
        if not isinstance(facts, list):
            raise bad(part, "not a list")
        for i, f in enumerate(facts):
            if not isinstance(f, dict):
                raise bad(f"{part}[{i}]", "not an object")
            for key in ("table", "row", "col"):
                if not isinstance(f.get(key), str) or not f[key]:
                    raise bad(f"{part}[{i}].{key}", f"{f.get(key)!r} is not a name")
            if not isinstance(f.get("value"), (int, float)) or isinstance(f["value"], bool):
                raise bad(f"{part}[{i}].value", f"{f.get('value')!r} is not a number")
            if not isinstance(f.get("page", 0), int) or isinstance(f.get("page"), bool):
                raise bad(f"{part}[{i}].page", f"{f.get('page')!r} is not a page number")
    if not isinstance(data.get("tables", {}), dict):
        raise bad("tables", "not an object")
