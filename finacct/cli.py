"""Command line: thin, parses arguments and calls the API."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from finacct import load, report
from finacct.errors import UnreadableError
from finacct.extract import xlsx
from finacct.reconcile import SCHEMA
from finacct.reconcile.docs import rules_markdown


def _extract(args: argparse.Namespace) -> int:
    d = load(args.path)
    if args.xlsx:
        xlsx.write(d, Path(args.xlsx))
    if args.json:
        sys.stdout.write(d.to_json() + "\n")
    else:
        print(repr(d))
        print(d.status.to_string(index=False))
    for w in d.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    d = load(args.path)
    findings = d.check()
    if args.json:
        out = {"schema": SCHEMA, "source": d.source, "findings": findings.to_records()}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        print(repr(d))
        print(" · ".join(f"{s} {n}" for s, n in findings.counts().items()))
        for r in findings[findings["status"].isin(["error", "rounding", "insufficient_data"])].itertuples():
            print(f"{r.status:>17}  {r.rule:<28} p{','.join(map(str, r.pages))}  {r.message}")
    return 0


def _rules(args: argparse.Namespace) -> int:
    sys.stdout.write(rules_markdown())
    return 0


def _report(args: argparse.Namespace) -> int:
    d = load(args.path)
    out = report.write(d, Path(args.out))
    print(f"{d!r}\nwritten to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="finacct", description="Chinese department final-accounts disclosures (部门决算公开)")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="read a disclosure (PDF, text dump, xlsx) into the canonical tables")
    ex.add_argument("path")
    ex.add_argument("--json", action="store_true", help="print the contract JSON (finacct.disclosure/1) on stdout")
    ex.add_argument("--xlsx", metavar="OUT", help="also write the canonical spreadsheet")
    ex.set_defaults(run=_extract)
    ck = sub.add_parser("check", help="evaluate every identity and every number the narrative states")
    ck.add_argument("path")
    ck.add_argument("--json", action="store_true", help="print the findings JSON (finacct.findings/1) on stdout")
    ck.set_defaults(run=_check)
    ru = sub.add_parser("rules", help="print the rule list (Markdown, one line per rule)")
    ru.set_defaults(run=_rules, path="")
    rp = sub.add_parser("report", help="extract one disclosure into reports/<department>/<year>/")
    rp.add_argument("path")
    rp.add_argument("--out", default="reports")
    rp.set_defaults(run=_report)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UnreadableError as exc:
        print(f"finacct: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"finacct: {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
