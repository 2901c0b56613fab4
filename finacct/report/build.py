"""One report: execute the department-report notebook with papermill for one disclosure
and write reports/<department>/<year>/ (report.ipynb, report.html, the data files and a
manifest) atomically. The unit of work of `finacct report` and of every batch worker.

The document is read once, in the notebook: what the folder is named after comes from the
batch's peek (Job.dir) or from what the notebook wrote (its manifest.json). In `finacct
report`, papermill and nbconvert are imported only once the kernel is starting, so the two
overlap; a batch worker builds in its own shell, warmed up once (warm())."""
from __future__ import annotations

import gc
import hashlib
import importlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import finacct
from finacct.report import WARM
from finacct.report.kernel import Warm
from finacct.report.paths import part_prefix, replace_dir, report_dir, safe_name, sha256, staging_dir

NOTEBOOKS = Path(os.environ.get("FINACCT_NOTEBOOKS", Path(__file__).parents[1] / "notebooks"))  # finacct/notebooks links to notebooks/
NOTEBOOK = "department_report.ipynb"
MANIFEST = "manifest.json"
# Started with the kernel (and done by warm() in a batch worker): what the notebook imports, then
# the heap those imports built frozen, so Python's collector no longer walks it: the full
# collection IPython runs at every reset between reports drops from ~55 ms to ~2 ms, and the
# collections during a report get cheaper.
REPORT_IMPORTS = ("finacct.report.sections", "finacct.extract.xlsx")   # what the notebook imports
PRELOAD = "__import__('finacct.report.build', fromlist=['preload']).preload()"   # binds no name


def preload() -> None:
    """The notebook's imports, then everything imported so far frozen (see above)."""
    for name in REPORT_IMPORTS:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


@dataclass
class Job:
    source: str
    root: str = "reports"
    prior: str = ""
    budget: str = ""
    engine: str = WARM
    cell_timeout: int = 300
    dir: str = ""                  # the report folder, decided by the batch before any job runs; "" = from the document
    department: str = ""           # what the batch peeked (the report notes a document that says otherwise)
    year: int = 0
    fingerprint: dict[str, str] = field(default_factory=dict)   # the batch's, from the hashes it made: not hashed again


@dataclass
class Result:
    source: str
    status: str                    # ok | skipped | failed
    reason: str = ""
    dir: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


@cache
def code_version() -> str:
    """finacct's version and a digest of its code, templates, lexicons and notebooks: what made
    a report. A finacct that reads or checks differently (upgraded or edited, its version number
    bumped or not) gets its reports rebuilt, not skipped as up to date."""
    root = Path(finacct.__file__).parent
    files = [p for p in root.rglob("*") if p.suffix in {".py", ".toml", ".csv"} and "__pycache__" not in p.parts]
    digest = hashlib.sha256()
    for path in sorted([*files, *NOTEBOOKS.glob("*.ipynb")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{finacct.__version__}+{digest.hexdigest()[:12]}"


def fingerprint(job: Job, hashes: dict[str, str] | None = None) -> dict[str, str]:
    """What a report depends on: its inputs' bytes and finacct's code (`hashes`: sha256 by
    path, for files the caller hashed already)."""
    def digest(path: str) -> str:
        return (hashes or {}).get(path) or sha256(path)
    return {"source_sha256": digest(job.source), "prior_sha256": digest(job.prior),
            "budget_sha256": digest(job.budget), "finacct_version": code_version()}


def up_to_date(job: Job) -> Path | None:
    """The existing report in the job's folder if nothing it depends on changed."""
    if not job.dir:
        return None
    d = Path(job.dir)
    try:
        manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = all(manifest.get(k) == v for k, v in (job.fingerprint or fingerprint(job)).items())
    return d if same and (d / "report.html").exists() else None


_warmed = False


def warm() -> float:
    """Ready this process to build reports in-process (the ``finacct-inprocess`` engine): the
    notebook's imports, papermill with the engines, the HTML exporter prepared, the shell made;
    then the heap all that built is frozen, so Python's collector stops walking it (see
    PRELOAD). The seconds it took; 0 when the process was warm already."""
    global _warmed
    if _warmed:
        return 0.0
    t = time.perf_counter()
    from finacct.report import engine  # noqa: F401  (registers the engines)
    from finacct.report.html import prepare
    from finacct.report.shell import language_info, shell
    prepare()
    shell()
    language_info()
    preload()
    _warmed = True
    return time.perf_counter() - t


@cache
def kernel_name() -> str:
    return json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"]


def build(job: Job) -> Result:
    """Execute the notebook, decide the folder from what it read, export HTML, all into a
    temporary directory that replaces the report directory only when complete."""
    t0 = time.perf_counter()
    if job.engine == WARM:
        Warm.start(kernel_name(), str(NOTEBOOKS), PRELOAD)
    # nbconvert (and papermill, in _execute) load while the kernel starts
    from finacct.report.html import STATIC, export
    source = str(Path(job.source).resolve())
    root = Path(job.root).resolve()
    planned = Path(job.dir).resolve() if job.dir else None
    if planned is not None:
        _inside(planned, root)
    staged = planned or root / safe_name(Path(source).stem)
    with staging_dir(staged.parent, part_prefix(staged)) as tmp:
        nb, seconds = _execute(job, source, tmp)
        doc = json.loads((tmp / MANIFEST).read_text(encoding="utf-8"))
        final = planned or report_dir(root, doc["department"], doc["year"], Path(source).stem, doc["figures"]["kind"])
        t = time.perf_counter()
        export(nb, tmp / "report.html", root / STATIC, at=final, title=f"{doc['department']} {doc['year']}")
        seconds["html_export"] = time.perf_counter() - t
        manifest = {**(job.fingerprint or fingerprint(job)), "source": source, "department": doc["department"], "year": doc["year"],
                    "report": "report.html", "figures": doc["figures"], "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        replace_dir(tmp, final)
    seconds["total"] = time.perf_counter() - t0
    return Result(source, "ok", dir=str(final), seconds=seconds, manifest=manifest)


def _inside(folder: Path, root: Path) -> None:
    if not folder.is_relative_to(root) or folder == root:
        raise ValueError(f"report folder {folder} would fall outside {root}")


def _execute(job: Job, source: str, tmp: Path) -> tuple[Any, dict[str, float]]:
    """The executed notebook, saved once as tmp/report.ipynb (on failure too, by papermill),
    and the seconds of execution (and of kernel start, in a kernel)."""
    import papermill as pm

    from finacct.report import engine  # noqa: F401  (registers the engines)
    t = time.perf_counter()
    params = {"source": source, "department": job.department, "year": job.year,
              "prior_source": str(Path(job.prior).resolve()) if job.prior else "",
              "budget_file": str(Path(job.budget).resolve()) if job.budget else "", "output_dir": str(tmp)}
    nb = pm.execute_notebook(_literal(NOTEBOOKS / NOTEBOOK), _literal(tmp / "report.ipynb"), parameters=params,
                             engine_name=job.engine, request_save_on_cell_execute=False, progress_bar=False,
                             execution_timeout=job.cell_timeout, cwd=str(NOTEBOOKS))
    if job.engine != WARM:
        return nb, {"execution": time.perf_counter() - t}
    started = Warm.started_seconds
    return nb, {"kernel_start": started, "execution": time.perf_counter() - t - started}


def _literal(path: Path) -> str:
    """A path papermill takes as it is: it formats paths with the parameters (str.format), so
    a folder named after a department holding {x} or ${IFS} would be a template otherwise."""
    return str(path).replace("{", "{{").replace("}", "}}")


def safe_build(job: Job) -> dict[str, Any]:
    """build() with any failure turned into a one-line reason (the batch goes on)."""
    try:
        return asdict(build(job))
    except Exception as exc:  # noqa: BLE001 - every failure of one document is reported, none stops the batch
        return asdict(Result(job.source, "failed", reason(exc)))


def reason(exc: BaseException) -> str:
    """One line saying why: for an error inside the notebook, the notebook's own exception
    (name and first line of its message), not papermill's banner of dashes."""
    from papermill import PapermillExecutionError
    if isinstance(exc, PapermillExecutionError):
        name, text = exc.ename, str(exc.evalue)
    else:
        name, text = type(exc).__name__, str(exc)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return f"{name}: {first}"[:300] if first else name
