"""Command line: thin, parses arguments and calls the API.

Only the standard library is imported here: pandas, the reader, the rules and the report
builder are imported inside the subcommand that needs them, so ``--help``, ``--version`` and
a missing input answer at once."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from finacct import __version__
from finacct.errors import UnreadableError

DISCLOSURE = "a disclosure: PDF with a text layer, text dump, or finacct's own xlsx or JSON"
FAIL_ON = {"error": ("error",), "rounding": ("error", "rounding"), "none": ()}   # --fail-on: statuses that exit 1


def _extract(args: argparse.Namespace) -> int:
    from finacct.extract import xlsx
    from finacct.load import load
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
    from finacct.load import load
    from finacct.reconcile import SCHEMA, check
    d = load(args.path)
    findings = check(d, budget=load(args.budget) if args.budget else None, prior=load(args.prior) if args.prior else None)
    if args.json:
        out = {"schema": SCHEMA, "source": d.source, "score": findings.score.to_contract(), "findings": findings.to_records()}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        print(repr(d))
        print(" · ".join(f"{s} {n}" for s, n in findings.counts().items()) + f" · transparency {findings.score.value:g}/100")
        for r in findings[findings["status"].isin(["error", "rounding", "insufficient_data"])].itertuples():
            print(f"{r.status:>17}  {r.rule:<28} p{','.join(map(str, r.pages))}  {r.message}")
    return 1 if findings["status"].isin(FAIL_ON[args.fail_on]).any() else 0


def _rules(args: argparse.Namespace) -> int:
    from finacct.reconcile.docs import rules_markdown
    sys.stdout.write(rules_markdown())
    return 0


def _report(args: argparse.Namespace) -> int:
    from finacct.batch import _store
    from finacct.report import index
    from finacct.report.build import Job, build
    root = Path(args.out)
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


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except the None / False of an option that is simply off
    (its help says what happens without it)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def parser() -> argparse.ArgumentParser:
    """The finacct argument parser (every option has help text)."""
    top = argparse.ArgumentParser(prog="finacct", formatter_class=_Help,
                                  description="Chinese department final-accounts disclosures (部门决算公开)")
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text, formatter_class=_Help)
        p.set_defaults(run=run)
        return p

    ex = command("extract", "read a disclosure (PDF, text dump, xlsx) into the canonical tables", _extract)
    ex.add_argument("path", metavar="PATH", help=DISCLOSURE)
    ex.add_argument("--json", action="store_true", help="print the contract JSON (finacct.disclosure/1) on stdout")
    ex.add_argument("--xlsx", metavar="OUT", help="also write the canonical spreadsheet to OUT")
    ck = command("check", "evaluate every identity and every number the narrative states", _check)
    ck.add_argument("path", metavar="PATH", help=DISCLOSURE)
    ck.add_argument("--json", action="store_true", help="print the findings JSON (finacct.findings/1) on stdout")
    ck.add_argument("--budget", help="the department's budget disclosure of the same year: the final's stated 年初预算 "
                    "and 三公 预算数 are checked against it")
    ck.add_argument("--prior", help="the department's disclosure of the year before: balances carried over and the "
                    "prior-year figures the narrative states are checked against it")
    ck.add_argument("--fail-on", choices=tuple(FAIL_ON), default="none",
                    help="exit 1 when a finding has this status or a worse one (error > rounding), for CI")
    command("rules", "print the rule list (Markdown, one line per rule)", _rules).set_defaults(path="")
    rp = command("report", "one disclosure -> OUT/<department>/<year>/report.ipynb + report.html", _report)
    rp.add_argument("path", metavar="PATH", help=DISCLOSURE)
    rp.add_argument("--out", default="reports", help="folder of the reports, the index page and the store")
    rp.add_argument("--prior", help="last year's disclosure of the same department (增减原因 from the rows that moved)")
    rp.add_argument("--budget", help="the same year's budget disclosure (PDF/text/xlsx), or a 年初预算 file "
                    "(CSV/xlsx: code,budget[,name]; 万元), for 完成率")
    bt = command("batch", "a report for every disclosure under DIR, an index page and the corpus store", _batch)
    bt.add_argument("path", metavar="DIR", help="folder searched recursively for PDFs, text dumps and xlsx")
    bt.add_argument("--out", default="reports", help="folder of the reports, the index page and the store")
    bt.add_argument("--workers", type=int, help="parallel workers (without it: one per core)")
    bt.add_argument("--executor", choices=("local", "dask"), default="local", help="local: worker processes on this machine; dask: a Dask cluster")
    bt.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786); without it a local cluster is started")
    bt.add_argument("--timeout", type=float, default=300, help="seconds one document may take, its whole report (no cell has a limit of its own)")
    bt.add_argument("--memory-mb", type=int, default=4096,
                    help="data-segment limit of one worker, MB (at least 1536: a normal report needs about 1 GB)")
    bt.add_argument("--force", action="store_true", help="rebuild reports whose inputs did not change")
    bt.add_argument("--strict", action="store_true", help="exit 1 when any document failed")
    bt.add_argument("--quiet", action="store_true", help="no progress bar")
    bt.add_argument("--no-pair", action="store_true",
                    help="do not use a department's previous year in the same folder as the report's prior")
    return top


def _missing_input(args: argparse.Namespace) -> str | None:
    """Why the input files cannot be used, checked before anything heavy is imported."""
    if args.command == "batch":
        folder = Path(args.path)
        return None if folder.is_dir() else f"{folder}: {'not a directory' if folder.exists() else 'no such directory'}"
    from finacct.extract.detect import missing
    return next((missing(Path(p)) for p in (args.path, getattr(args, "prior", None), getattr(args, "budget", None))
                 if p and missing(Path(p))), None)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    problem = _missing_input(args)
    if problem:
        print(f"finacct: {problem}", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except UnreadableError as exc:
        print(f"finacct: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:   # `finacct extract … | head`: the reader stopped listening, nothing went wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:   # the path that failed (an unwritable --out is not the input's fault)
        print(f"finacct: {exc.filename or args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
