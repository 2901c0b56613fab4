"""finacct batch DIR: a report for every disclosure under DIR (PDFs, text dumps, xlsx).

Jobs run on an executor: ``local`` (default) keeps one worker process per core, each with a
warm Jupyter kernel, under a per-document time limit and a memory limit (a document that
hangs or explodes kills its worker, which is replaced; the batch goes on); ``dask`` runs the
same job function on a Dask distributed cluster. A rerun skips documents whose inputs and
finacct version are unchanged. The index page and the DuckDB store are refreshed at the end."""
from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from finacct.corpus import same_department
from finacct.load import peek
from finacct.report import index
from finacct.report.build import Job, Result, up_to_date
from finacct.report.paths import write_text_atomic

SUFFIXES = {".pdf", ".txt", ".xlsx"}
STATE = ".finacct-batch.json"     # source path -> report dir, for skipping unchanged documents


def discover(folder: str | Path, exclude: Path | None = None) -> list[Path]:
    """Every disclosure file under folder (hidden files and the reports folder left out)."""
    folder = Path(folder)
    out = []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() not in SUFFIXES or not p.is_file() or any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if exclude is not None and p.resolve().is_relative_to(exclude.resolve()):
            continue
        out.append(p)
    return out


# -- local executor: persistent workers, each doc under a deadline and a memory cap -----------
def _worker(conn: Connection, memory_mb: int) -> None:
    os.setsid()   # the worker and its kernel form one process group, killed together on timeout
    if memory_mb:
        import resource
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    from finacct.report.build import safe_build
    while True:
        job = conn.recv()
        if job is None:
            break
        conn.send(safe_build(Job(**job)))


class LocalPool:
    def __init__(self, workers: int, timeout: float, memory_mb: int) -> None:
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self.ctx = mp.get_context("spawn")

    def _spawn(self) -> tuple[mp.Process, Connection]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child, self.memory_mb), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    @staticmethod
    def _kill(proc: mp.Process) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.join(5)

    def run(self, jobs: list[Job], done: Callable[[dict[str, Any]], None]) -> None:
        pending = list(jobs)
        slots = [self._spawn() for _ in range(min(self.workers, len(jobs)))]
        busy: dict[int, tuple[Job, float]] = {}
        try:
            while pending or busy:
                for i, (_, conn) in enumerate(slots):
                    if i not in busy and pending:
                        job = pending.pop(0)
                        conn.send(asdict(job))
                        busy[i] = (job, time.monotonic())
                ready = wait([slots[i][1] for i in busy], timeout=0.5)
                for i in list(busy):
                    proc, conn = slots[i]
                    job, started = busy[i]
                    if conn in ready:
                        try:
                            done(conn.recv())
                            del busy[i]
                            continue
                        except (EOFError, OSError):
                            reason = f"worker died (exit {proc.exitcode}); memory limit {self.memory_mb} MB exceeded?"
                    elif time.monotonic() - started > self.timeout:
                        reason = f"timed out after {self.timeout:g} s"
                    elif not proc.is_alive():
                        reason = f"worker died (exit {proc.exitcode})"
                    else:
                        continue
                    self._kill(proc)
                    done(asdict(Result(job.source, "failed", reason)))
                    del busy[i]
                    slots[i] = self._spawn()
        finally:
            for proc, conn in slots:
                with contextlib.suppress(OSError):
                    conn.send(None)
                proc.join(10)
                if proc.is_alive():
                    self._kill(proc)


def _dask_run(jobs: list[Job], done: Callable[[dict[str, Any]], None], scheduler: str | None, workers: int) -> None:
    """The same job function on a Dask cluster: ``scheduler`` is its address; none starts a
    LocalCluster. Workers must have finacct installed and see the same paths."""
    from dask.distributed import Client, LocalCluster, as_completed

    from finacct.report.build import safe_build
    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
    client = Client(scheduler or cluster)
    try:
        futures = [client.submit(safe_build, job, pure=False) for job in jobs]
        for fut in as_completed(futures):
            done(fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- the batch ------------------------------------------------------------------------------------
def pairs(paths: list[Path]) -> dict[Path, dict[str, Path]]:
    """Each document's companions in the folder: "prior", the same department's document of
    the same kind a year before; and for a final, "budget", its budget of the same year
    (department, year and kind peeked from the first pages)."""
    seen: list[tuple[Path, str, int, str]] = []
    for p in paths:
        try:
            dept, year, kind = peek(p)
        except Exception:  # noqa: BLE001 - an unreadable file is reported by its own job
            continue
        if dept and year:
            seen.append((p, dept, year, kind))
    out: dict[Path, dict[str, Path]] = {}
    for p, dept, year, kind in seen:
        for q, other, y, k in seen:
            if not same_department(dept, other):
                continue
            if y == year - 1 and k == kind:
                out.setdefault(p, {})["prior"] = q
            elif y == year and kind == "final" and k == "budget":
                out.setdefault(p, {})["budget"] = q
    return out


def run(folder: str | Path, root: str | Path = "reports", workers: int | None = None, executor: str = "local",
        scheduler: str | None = None, timeout: float = 300, memory_mb: int = 4096, force: bool = False,
        progress: bool = True, store: bool = True, pair: bool = True) -> list[dict[str, Any]]:
    """Build every report; return one result per document (ok / skipped / failed + reason).
    With `pair`, a department's previous year in the same folder becomes the report's prior,
    and a final's budget of the same year gives its 完成率."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    state_path = root / STATE
    state: dict[str, str] = _read_json(state_path)
    results: list[dict[str, Any]] = []
    jobs = []
    paths = discover(folder, exclude=root)
    companions = pairs(paths) if pair else {}
    for path in paths:
        found = {k: str(v.resolve()) for k, v in companions.get(path, {}).items()}
        job = Job(str(path.resolve()), str(root.resolve()), prior=found.get("prior", ""), budget=found.get("budget", ""))
        existing = None if force else up_to_date(job, state.get(job.source))
        if existing is not None:
            results.append(asdict(Result(job.source, "skipped", "inputs and finacct version unchanged", str(existing))))
        else:
            jobs.append(job)
    bar = _progress(len(jobs), progress)

    def done(r: dict[str, Any]) -> None:
        results.append(r)
        name = Path(r["source"]).name
        if r["status"] == "failed":
            bar.write(f"FAILED {name}: {r['reason']}")
        bar.set_postfix_str(f"{'failed' if r['status'] == 'failed' else 'done'}: {name}", refresh=False)
        bar.update(1)
        bar.refresh()

    if jobs:
        if executor == "dask":
            _dask_run(jobs, done, scheduler, workers or os.cpu_count() or 1)
        else:
            LocalPool(workers or os.cpu_count() or 1, timeout, memory_mb).run(jobs, done)
    bar.close()
    for r in results:
        if r["status"] in ("ok", "skipped"):
            state[r["source"]] = r["dir"]
    write_text_atomic(state_path, json.dumps(state, ensure_ascii=False, indent=1))
    failures = {**{k: v for k, v in index.failures(root).items() if k not in {r["source"] for r in results}},
                **{r["source"]: r["reason"] for r in results if r["status"] == "failed"}}
    write_text_atomic(root / index.FAILURES, json.dumps(failures, ensure_ascii=False, indent=1))
    index.write(root)
    if store:
        _store(root, [r for r in results if r["status"] == "ok"])
    return results


def _store(root: Path, results: Iterable[dict[str, Any]]) -> None:
    from finacct.store import Store
    with Store(root / "finacct.duckdb") as s:
        for r in results:
            s.add_report(r["dir"])


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class _NoBar:
    def update(self, n: int) -> None: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...
    def refresh(self) -> None: ...
    def write(self, s: str) -> None:
        print(s, file=sys.stderr)
    def close(self) -> None: ...


def _progress(total: int, show: bool):
    if not show or not total:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, unit="report", file=sys.stderr, desc="reports", dynamic_ncols=True)
