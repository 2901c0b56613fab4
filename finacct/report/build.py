"""One report: execute the department-report notebook with papermill for one disclosure
and write reports/<department>/<year>/ (report.ipynb, report.html, the data files and a
manifest) atomically. The unit of work of `finacct report` and of every batch worker."""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import papermill as pm

import finacct
from finacct.load import load
from finacct.report import engine  # noqa: F401  (registers the finacct-warm engine)
from finacct.report.html import export
from finacct.report.paths import atomic_dir, report_dir, sha256

NOTEBOOKS = Path(os.environ.get("FINACCT_NOTEBOOKS", Path(__file__).parents[1] / "notebooks"))  # finacct/notebooks links to notebooks/
MANIFEST = "manifest.json"


@dataclass
class Job:
    source: str
    root: str = "reports"
    prior: str = ""
    budget: str = ""
    engine: str = "finacct-warm"
    cell_timeout: int = 300
    dir: str = ""                  # the report folder, decided by the batch before any job runs; "" = from the document


@dataclass
class Result:
    source: str
    status: str                    # ok | skipped | failed
    reason: str = ""
    dir: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def fingerprint(job: Job) -> dict[str, str]:
    """What a report depends on: its inputs' bytes and finacct's version."""
    return {"source_sha256": sha256(job.source), "prior_sha256": sha256(job.prior),
            "budget_sha256": sha256(job.budget), "finacct_version": finacct.__version__}


def up_to_date(job: Job, known_dir: str | None, fp: dict[str, str] | None = None) -> Path | None:
    """The existing report for this job if nothing it depends on changed (`fp`: the job's
    fingerprint when the caller has it already)."""
    if not known_dir:
        return None
    d = Path(known_dir)
    try:
        manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = all(manifest.get(k) == v for k, v in (fp or fingerprint(job)).items())
    return d if same and (d / "report.html").exists() else None


def build(job: Job) -> Result:
    """Extract (to learn department and year), execute the notebook, export HTML, all into
    a temporary directory that replaces the report directory only when complete."""
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    source = str(Path(job.source).resolve())
    d = load(source)
    seconds["extraction"] = time.perf_counter() - t0
    root = Path(job.root).resolve()
    final = Path(job.dir).resolve() if job.dir else report_dir(root, d.department, d.year, Path(source).stem, d.kind)
    if not final.is_relative_to(root) or final == root:
        raise ValueError(f"report folder {final} would fall outside {root}")
    with atomic_dir(final) as tmp:
        t = time.perf_counter()
        params = {"source": source, "department": d.department, "year": d.year or 0,
                  "prior_source": str(Path(job.prior).resolve()) if job.prior else "",
                  "budget_file": str(Path(job.budget).resolve()) if job.budget else "", "output_dir": str(tmp)}
        pm.execute_notebook(_literal(NOTEBOOKS / "department_report.ipynb"), _literal(tmp / "report.ipynb"), parameters=params,
                            engine_name=job.engine, progress_bar=False, execution_timeout=job.cell_timeout,
                            cwd=str(NOTEBOOKS))
        seconds["kernel_start"] = engine.WarmKernelEngine.started_seconds if job.engine == "finacct-warm" else 0.0
        seconds["execution"] = time.perf_counter() - t - seconds["kernel_start"]
        t = time.perf_counter()
        export(tmp / "report.ipynb", tmp / "report.html", title=f"{d.department} {d.year}")
        seconds["html_export"] = time.perf_counter() - t
        findings = json.loads((tmp / "findings.json").read_text(encoding="utf-8"))["findings"]
        manifest = {**fingerprint(job), "source": source, "department": d.department, "year": d.year,
                    "report": "report.html", "figures": _figures(d, findings), "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    seconds["total"] = time.perf_counter() - t0
    return Result(source, "ok", dir=str(final), seconds=seconds, manifest=manifest)


def _literal(path: Path) -> str:
    """A path papermill takes as it is: it formats paths with the parameters (str.format), so
    a folder named after a department holding {x} or ${IFS} would be a template otherwise."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _figures(d: finacct.Disclosure, findings: list[dict]) -> dict[str, Any]:
    import pandas as pd

    from finacct.report.sections import key_figures
    return key_figures(d, pd.DataFrame(findings, columns=["status"]))


def safe_build(job: Job) -> dict[str, Any]:
    """build() with any failure turned into a one-line reason (the batch goes on)."""
    try:
        return asdict(build(job))
    except Exception as exc:  # noqa: BLE001 - every failure of one document is reported, none stops the batch
        return asdict(Result(job.source, "failed", reason(exc)))


def reason(exc: BaseException) -> str:
    """One line saying why: for an error inside the notebook, the notebook's own exception
    (name and first line of its message), not papermill's banner of dashes."""
    if isinstance(exc, pm.PapermillExecutionError):
        name, text = exc.ename, str(exc.evalue)
    else:
        name, text = type(exc).__name__, str(exc)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return f"{name}: {first}"[:300] if first else name
