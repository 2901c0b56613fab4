"""Command line: thin, parses arguments and calls the API."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from finacct import load
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
    from finacct.batch import _store
    from finacct.report import index
    from finacct.report.build import Job, build
    root = Path(args.out)
    if not Path(args.path).exists():
        raise OSError(2, "no such file")
    result = build(Job(args.path, str(root), prior=args.prior or "", budget=args.budget or ""))
    index.write(root)
    _store(root, [{"dir": result.dir}])
    print(f"report written to {Path(result.dir) / 'report.html'} ({result.seconds['total']:.1f} s); index: {root / 'index.html'}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from finacct.batch import run
    results = run(args.path, args.out, workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                  timeout=args.timeout, memory_mb=args.memory_mb, force=args.force, progress=not args.quiet,
                  pair=not args.no_pair)
    counts = {s: sum(r["status"] == s for r in results) for s in ("ok", "skipped", "failed")}
    print(f"{counts['ok']} built, {counts['skipped']} unchanged, {counts['failed']} failed; index: {Path(args.out) / 'index.html'}")
    return 1 if args.strict and counts["failed"] else 0


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
    rp = sub.add_parser("report", help="one disclosure -> reports/<department>/<year>/report.ipynb + report.html")
    rp.add_argument("path")
    rp.add_argument("--out", default="reports")
    rp.add_argument("--prior", help="last year's disclosure of the same department")
    rp.add_argument("--budget", help="年初预算 file (CSV/xlsx: code,budget[,name])")
    rp.set_defaults(run=_report)
    bt = sub.add_parser("batch", help="a report for every disclosure under DIR, an index page and the corpus store")
    bt.add_argument("path", metavar="DIR")
    bt.add_argument("--out", default="reports")
    bt.add_argument("--workers", type=int, default=None, help="parallel workers (default: the cores you have)")
    bt.add_argument("--executor", choices=("local", "dask"), default="local")
    bt.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786); none starts a local cluster")
    bt.add_argument("--timeout", type=float, default=300, help="seconds one document may take")
    bt.add_argument("--memory-mb", type=int, default=4096, help="address-space limit of one worker and its kernel")
    bt.add_argument("--force", action="store_true", help="rebuild reports whose inputs did not change")
    bt.add_argument("--strict", action="store_true", help="exit 1 when any document failed")
    bt.add_argument("--quiet", action="store_true", help="no progress bar")
    bt.add_argument("--no-pair", action="store_true",
                    help="do not use a department's previous year in the same folder as the report's prior")
    bt.set_defaults(run=_batch)
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
