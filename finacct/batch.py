"""finacct batch DIR: a report for every disclosure under DIR (PDFs, text dumps, xlsx).

Jobs run on an executor: ``local`` (default) keeps one worker process per core, each with
the report's imports warm and building in its own IPython shell, under a per-document time
limit and a memory limit (a document that hangs or explodes kills its worker, which is
replaced; the batch goes on); ``dask`` runs the same job function on a Dask distributed
cluster. A rerun skips documents whose inputs and finacct
(its version and code, build.code_version) are unchanged. The index page and the DuckDB store are refreshed at the end."""
from __future__ import annotations

import contextlib
import ctypes
import itertools
import json
import multiprocessing as mp
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from finacct.report import IN_PROCESS, index
from finacct.report.build import Job, Result, code_version, fingerprint, up_to_date
from finacct.report.paths import discard_partial, report_dir, sha256, write_text_atomic

SUFFIXES = {".pdf", ".txt", ".xlsx"}
STATE = ".finacct-batch.json"     # source path -> report dir, the failures not to retry, the peeks by content


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
PEEK_TIMEOUT = 60.0     # seconds the first pages of one document may take to peek at
START_TIMEOUT = 180.0   # seconds a worker may take to import what a report needs
STARTS = 3              # workers in a row that die before taking a document: the limits are too tight
PR_SET_PDEATHSIG = 1    # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Make this process die with its parent: on Linux the kernel sends SIGKILL when the
    parent dies (prctl PR_SET_PDEATHSIG), elsewhere a thread polls the parent pid. A batch
    killed with -9 leaves no worker behind."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGKILL)
        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:   # died before the watch was set
        os._exit(1)


def _peek_one(path: str) -> dict[str, Any]:
    from finacct.peek import peek
    try:
        return {"peek": list(peek(path))}
    except Exception as exc:  # noqa: BLE001 - a file that cannot be peeked at simply has no companions
        return {"peek": None, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _worker(conn: Connection, memory_mb: int) -> None:
    """A job process: a job dict in, its result dict out (LocalPool also sends {"peek": path}
    and {"warm": level}). Runs until it receives None. Reports are built in this process's own
    shell (the in-process engine): the process is what a deadline or the memory limit kills."""
    os.setsid()   # the worker is its own process group, killed as one on timeout
    if memory_mb:
        import resource
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    from finacct.report.build import safe_build, warm
    started = 0.0
    while True:
        msg = conn.recv()
        if msg is None:
            break
        if "peek" in msg:
            conn.send(_peek_one(msg["peek"]))
            continue
        try:
            started += warm() if msg.get("warm", 2) >= 2 else 0.0
        except Exception as exc:  # noqa: BLE001 - said by the warm-up, or by the build that needs it
            if "warm" in msg:
                conn.send({"warm": False, "error": f"{type(exc).__name__}: {exc}"[:300]})
                continue
        if "warm" in msg:
            conn.send({"warm": True})
            continue
        result = safe_build(Job(**msg))
        if started and result.get("seconds"):
            result["seconds"]["warm_up"] = started
        started = 0.0
        conn.send(result)


def _pool_worker(conn: Connection, memory_mb: int, parent: int) -> None:
    """A LocalPool worker: when told to stop, it leaves at once (nothing is left but its output
    to flush; the interpreter's teardown of pandas and the rest would hold up the end of every
    batch by a few tenths of a second)."""
    die_with_parent(parent)
    _worker(conn, memory_mb)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


_WARM = object()   # a slot busy starting (importing), not with a document


@dataclass
class _Slot:
    proc: mp.Process
    conn: Connection
    level: int = 0   # 0 just started, 1 finacct imported, 2 ready to build (warm)
    warming: float = 0.0   # when a warm-up sent by LocalPool.warm() began (0: none under way)


class LocalPool:
    """Persistent worker processes on this machine, each with the memory limit and (for
    builds) the report's imports warm; each document's deadline starts when a started worker
    takes it, so --timeout counts the document's own work (the only limit on it: no cell has
    one of its own). Peeks run here too, under the same limits."""

    def __init__(self, workers: int, timeout: float, memory_mb: int) -> None:
        self.workers, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self.ctx = mp.get_context("spawn")
        self.slots: list[_Slot] = []

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> tuple[mp.Process, Connection]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_pool_worker, args=(child, self.memory_mb, os.getpid()), daemon=True)
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
        """Build every job; `done` gets each result (failed ones with the limit they hit)."""
        self._map(jobs, asdict, lambda job, r: done(r), lambda job, why: done(asdict(Result(job.source, "failed", why))),
                  self.timeout, 2)

    def peek(self, paths: list[Path], timeout: float = PEEK_TIMEOUT) -> dict[Path, tuple[str, int | None, str] | None]:
        """Department, year and kind of each file from its first pages (None when the peek
        failed, timed out or exceeded the memory limit)."""
        out: dict[Path, tuple[str, int | None, str] | None] = dict.fromkeys(paths)

        def got(path: Path, reply: dict[str, Any]) -> None:
            out[path] = tuple(reply["peek"]) if reply.get("peek") else None
        self._map(paths, lambda p: {"peek": str(p)}, got, lambda p, why: None, min(timeout, self.timeout), 1)
        return out

    def warm(self) -> None:
        """Have every worker import what a report needs now, without waiting: the caller plans
        the jobs meanwhile, and the first job finds the worker warm (the next run() or peek() waits)."""
        for slot in self.slots:
            if slot.level < 2 and not slot.warming:
                slot.conn.send({"warm": 2})
                slot.warming = time.monotonic()

    def _map(self, items: list[Any], message: Callable[[Any], dict[str, Any]], done: Callable[[Any, dict[str, Any]], None],
             failed: Callable[[Any, str], None], limit: float, level: int) -> None:
        """Send each item to a free worker at `level` (1 imported, 2 warm); a worker
        past `limit` on an item, or dead, is killed and replaced and the item failed."""
        pending = list(items)
        while len(self.slots) < min(self.workers, len(pending)):
            self.slots.append(_Slot(*self._spawn()))
        busy: dict[int, tuple[Any, float]] = {i: (_WARM, slot.warming) for i, slot in enumerate(self.slots) if slot.warming}
        broken = 0

        def due(item: Any, started: float) -> float:
            return started + (START_TIMEOUT if item is _WARM else limit)
        while pending or busy:
            for i, slot in enumerate(self.slots):
                if i in busy or not pending:
                    continue
                item = _WARM if slot.level < level else pending.pop(0)
                slot.conn.send({"warm": level} if item is _WARM else message(item))
                busy[i] = (item, time.monotonic())
            first = min((due(*b) for b in busy.values()), default=time.monotonic() + 0.5)
            ready = wait([self.slots[i].conn for i in busy], timeout=min(0.5, max(0.0, first - time.monotonic())))   # woken at a deadline
            for i in list(busy):
                slot = self.slots[i]
                item, started = busy[i]
                if slot.conn in ready:
                    try:
                        reply = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.proc.join(1)
                        why = self._died(slot.proc)
                    else:
                        del busy[i]
                        if item is not _WARM:
                            done(item, reply)
                        elif reply.get("warm"):
                            slot.level, broken = max(level, 2 if slot.warming else 0), 0
                            slot.warming = 0.0
                        else:
                            why = f"worker could not get ready ({reply.get('error')})" + \
                                (f"; memory limit {self.memory_mb} MB too low?" if self.memory_mb else "")
                            self._replace(i)
                            broken = self._start_failed(broken, why, pending, failed)
                        continue
                elif time.monotonic() > due(item, started):
                    why = f"worker did not start within {START_TIMEOUT:g} s" if item is _WARM else f"timed out after {limit:g} s"
                elif not slot.proc.is_alive():
                    why = self._died(slot.proc)
                else:
                    continue
                del busy[i]
                self._replace(i)
                if item is _WARM:
                    broken = self._start_failed(broken, f"worker could not start ({why})", pending, failed)
                else:
                    failed(item, why)

    def _died(self, proc: mp.Process) -> str:
        """Why a worker is gone, as its exit tells. What a failed allocation brings hints at the
        memory limit: SIGKILL (the kernel's OOM killer), SIGSEGV or SIGABRT (a library), exit
        code 1 (Python's, for a MemoryError nothing caught); another code (a notebook calling
        os._exit) or signal is only said."""
        code = proc.exitcode
        if code is None:   # its connection closed, the process not (yet) gone
            return "worker stopped answering"
        try:
            what = f"exit code {code}" if code >= 0 else signal.Signals(-code).name
        except ValueError:
            what = f"signal {-code}"
        hint = self.memory_mb and what in ("exit code 1", "SIGKILL", "SIGSEGV", "SIGABRT")
        return f"worker died ({what})" + (f"; memory limit {self.memory_mb} MB exceeded?" if hint else "")

    def _replace(self, i: int) -> None:
        self._kill(self.slots[i].proc)
        self.slots[i] = _Slot(*self._spawn())

    @staticmethod
    def _start_failed(broken: int, why: str, pending: list[Any], failed: Callable[[Any, str], None]) -> int:
        """Count a worker that died starting; after STARTS in a row, fail what is left with why."""
        broken += 1
        if broken >= STARTS:
            for item in pending:
                failed(item, why)
            pending.clear()
        return broken

    def close(self) -> None:
        """Stop the workers: each leaves when told; one still warming up for builds nobody will ask for
        (warm() before a run that found nothing to build) is killed with it, not waited for."""
        for slot in self.slots:
            if slot.warming:
                self._kill(slot.proc)
                continue
            with contextlib.suppress(OSError):
                slot.conn.send(None)
        for slot in self.slots:
            slot.proc.join(10)
            if slot.proc.is_alive():
                self._kill(slot.proc)
        self.slots = []


# -- dask executor: the same jobs, under the same limits, on workers that see the same paths ------
class ClusterError(OSError):
    """The Dask cluster cannot run this batch (no worker, or a worker that does not see the
    documents and the reports folder as this machine does). An OSError, so `finacct batch`
    prints its one line and exits 2."""


_idle: list[LocalPool] = []   # this Dask worker's idle pools, of one job process each
_idle_lock = threading.Lock()


def _dask_job(job: Job, timeout: float, memory_mb: int) -> dict[str, Any]:
    """One job on a Dask worker thread, run by a LocalPool of one job process (warm, with its
    memory limit and deadline) taken from the worker's idle ones: two threads never share a
    job process, and a document past `timeout` or over `memory_mb` kills only its job
    process and is listed failed with LocalPool's reason."""
    mp.current_process().daemon = False   # Dask's nanny starts daemonic workers, which multiprocessing forbids children
    with _idle_lock:
        stale = [p for p in _idle if p.memory_mb != memory_mb]   # another batch's limit
        _idle[:] = [p for p in _idle if p.memory_mb == memory_mb]
        pool = _idle.pop() if _idle else None
    for p in stale:
        p.close()
    if pool is None:
        pool = LocalPool(1, timeout, memory_mb)
    elif not all(slot.proc.is_alive() for slot in pool.slots):
        pool.close()   # its job process died idle: the pool starts a new one
    pool.timeout = timeout
    out: list[dict[str, Any]] = []
    try:
        pool.run([job], out.append)
    except BaseException:
        pool.close()
        raise
    with _idle_lock:
        _idle.append(pool)
    return out[0]


def _probe(sizes: dict[str, int], root: str, token_name: str, token: str, version: str) -> str:
    """On a worker: "" when it sees every document (same size) and the client's reports folder
    (the token file the client wrote there) and can write there, with the same finacct;
    otherwise why not."""
    if code_version() != version:
        return f"has finacct {code_version()}, this machine {version}"
    for path, size in sizes.items():
        if not os.path.isfile(path) or os.path.getsize(path) != size:
            return f"does not see the document {path} as this machine does"
    try:
        if (Path(root) / token_name).read_text(encoding="utf-8") != token:
            raise OSError
    except OSError:
        return f"does not see this machine's reports folder {root}"
    mine = Path(root) / f"{token_name}-{uuid.uuid4().hex}"
    try:
        mine.write_text(token, encoding="utf-8")
        mine.unlink()
    except OSError as exc:
        return f"cannot write in the reports folder {root} ({exc.strerror})"
    return ""


def _check_shared(client: Any, jobs: list[Job], wait: float = 60) -> None:
    """Refuse to start unless every connected worker sees the documents and the reports folder
    at the same absolute paths (reports written where the client cannot read them are lost)."""
    try:
        client.wait_for_workers(1, timeout=wait)
    except Exception as exc:  # noqa: BLE001 - dask raises its own TimeoutError
        raise ClusterError(f"no Dask worker joined the scheduler within {wait:g} s") from exc
    root = Path(jobs[0].root)
    token_name, token = f".finacct-probe-{uuid.uuid4().hex}", uuid.uuid4().hex
    sizes = {p: os.path.getsize(p) for j in jobs for p in (j.source, j.prior, j.budget) if p}
    (root / token_name).write_text(token, encoding="utf-8")
    try:
        answers = client.run(_probe, sizes, str(root), token_name, token, code_version())
    except Exception as exc:  # noqa: BLE001 - e.g. finacct missing on a worker: unpickling fails there
        raise ClusterError(f"a Dask worker cannot run finacct {code_version()} ({type(exc).__name__}: {exc})") from exc
    finally:
        (root / token_name).unlink(missing_ok=True)
    bad = {addr: why for addr, why in answers.items() if why}
    if bad:
        addr, why = next(iter(bad.items()))
        raise ClusterError(f"Dask worker {addr} {why} ({len(bad)} of {len(answers)} workers): every worker needs "
                           "the documents and the reports folder at the same absolute paths, and the same finacct")


def _dask_run(jobs: list[Job], done: Callable[[dict[str, Any]], None], scheduler: str | None, workers: int,
              timeout: float = 300, memory_mb: int = 4096) -> None:
    """The same jobs on a Dask cluster: ``scheduler`` is its address; none starts a LocalCluster
    on 127.0.0.1 without a dashboard (nothing listens beyond loopback). Each job runs under
    LocalPool's limits (`_dask_job`); a job whose worker died more often than the scheduler's
    ``allowed-failures`` (3 by default) is listed failed. Only this process writes the state,
    the index and the store."""
    from dask.distributed import Client, LocalCluster, as_completed
    from distributed import KilledWorker

    cluster = None if scheduler else LocalCluster(  # the scheduler's HTTP server listens even without a dashboard: loopback too
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
        worker_dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    client = Client(scheduler or cluster)
    try:
        _check_shared(client, jobs)
        futures = {client.submit(_dask_job, job, timeout, memory_mb, pure=False): job for job in jobs}
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except KilledWorker:
                result = asdict(Result(futures[fut].source, "failed", "the Dask workers building it kept dying (killed, or out of memory?)"))
            except Exception as exc:  # noqa: BLE001 - e.g. the scheduler went away: the batch still writes what it has
                result = asdict(Result(futures[fut].source, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]))
            done(result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def clean_parts(root: Path, idle: float) -> list[Path]:
    """Remove the ``.part-*`` folders that killed jobs left under root (the builder's temporary
    report folders), when nothing in them changed for `idle` seconds, the per-document time
    limit: a live job's folder is younger. Returns the folders removed."""
    gone = []
    cutoff = time.time() - idle
    for part in [*root.glob(".part-*"), *root.glob("*/.part-*")]:
        try:
            newest = max(os.stat(p).st_mtime for p in [part, *part.rglob("*")]) if part.is_dir() else cutoff
        except OSError:   # removed meanwhile
            continue
        if newest < cutoff:
            shutil.rmtree(part, ignore_errors=True)
            gone.append(part)
    return gone


# -- the batch ------------------------------------------------------------------------------------
JOURNAL = ".finacct-journal.jsonl"   # one line per finished document, appended and synced as it finishes
Peeked = dict[Path, "tuple[str, int | None, str] | None"]


def pairs(paths: list[Path], peeked: Peeked | None = None) -> dict[Path, dict[str, Path]]:
    """Each document's companions in the folder: "prior", the same department's document of
    the same kind a year before; and for a final, "budget", its budget of the same year
    (department, year and kind peeked from the first pages, in worker processes under the
    batch's limits: a file whose peek fails or hangs simply has no companions)."""
    from finacct.departments import same_department
    if peeked is None:
        with LocalPool(os.cpu_count() or 1, PEEK_TIMEOUT, 4096) as pool:
            peeked = pool.peek(paths)
    seen = [(p, *got) for p in paths if (got := peeked.get(p)) and got[0] and got[1]]
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


def _numbered(base: Path) -> Iterator[Path]:
    """base, base-2, base-3, …"""
    yield base
    for n in itertools.count(2):
        yield base.with_name(f"{base.name}-{n}")


def plan(paths: list[Path], peeked: Peeked, root: Path) -> tuple[dict[Path, Path], list[str]]:
    """Each document's report folder, decided before any job runs and all distinct: the one
    that already holds its report, else root/<department>/<year> (peeked), or the first of
    <year>-2, <year>-3, … that neither another document of the batch nor a report of another
    source on disk holds — with a warning, never an overwrite."""
    root = root.resolve()
    owners = {folder.resolve(): m.get("source") for folder, m in index.manifests(root)}
    base = {}
    for p in paths:
        dept, year, kind = peeked.get(p) or ("", None, "final")
        base[p] = report_dir(root, dept, year, p.stem, kind)
    out: dict[Path, Path] = {}
    holder: dict[Path, Path] = {}
    for p in paths:   # a document whose report is on disk keeps its folder
        for folder in itertools.takewhile(Path.exists, _numbered(base[p])):
            if owners.get(folder) == str(p.resolve()) and folder not in holder:
                out[p], holder[folder] = folder, p
                break
    warnings = []
    for p in paths:
        if p in out:
            continue
        folder = next(f for f in _numbered(base[p]) if f not in holder and not f.exists())
        out[p], holder[folder] = folder, p
        if folder != base[p]:
            who = holder[base[p]].name if base[p] in holder else Path(str(owners.get(base[p]) or "another")).name
            warnings.append(f"{p.name}: {base[p].relative_to(root)} holds the report of {who}; this one goes to "
                            f"{folder.relative_to(root)}")
    return out, warnings


class Journal:
    """The batch's journal: one JSON line per finished document (built or failed), appended
    and synced to disk as each finishes, so a batch killed at any moment keeps what it did.
    Folded into the state file at the end of a run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: Any = None

    def append(self, record: dict[str, Any]) -> None:
        if self.fh is None:
            self.fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    @staticmethod
    def read(path: Path) -> list[dict[str, Any]]:
        """Its records (a line torn by a kill is left out)."""
        out = []
        with contextlib.suppress(OSError):
            for line in path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return [r for r in out if isinstance(r, dict) and "source" in r]


def read_state(root: Path) -> dict[str, dict[str, Any]]:
    """{"reports": source -> folder, "failures": source -> {fingerprint, reason, limits},
    "peeks": finacct's code_version -> sha256 -> [department, year, kind]}: the state file with the
    journal of an interrupted run replayed on top."""
    raw = _read_json(root / STATE)
    state = {"reports": raw.get("reports", {}), "failures": raw.get("failures", {})} if "reports" in raw else \
        {"reports": {k: v for k, v in raw.items() if isinstance(v, str)}, "failures": {}}   # the flat form of earlier versions
    state["peeks"] = raw.get("peeks", {}) if isinstance(raw.get("peeks"), dict) else {}
    for r in Journal.read(root / JOURNAL):
        _record(state, r)
    return state


def _record(state: dict[str, dict[str, Any]], r: dict[str, Any]) -> None:
    if r.get("status") in ("ok", "skipped") and r.get("dir"):
        state["reports"][r["source"]] = r["dir"]
        state["failures"].pop(r["source"], None)
    elif r.get("status") == "failed" and r.get("fingerprint"):
        state["failures"][r["source"]] = {k: r.get(k) for k in ("fingerprint", "reason", "timeout", "memory_mb")}


# Failures of the machine, not of the document: retried by the next run without --force.
MACHINE_FAULTS = ("No space left on device", "Disk quota exceeded", "Read-only file system", "Permission denied",
                  "Too many open files", "Cannot allocate memory")


def peek_known(pool: LocalPool, paths: list[Path], hashes: dict[str, str], state: dict[str, dict[str, Any]]) -> tuple[Peeked, int]:
    """Department, year and kind of each file: remembered in the state for the same bytes
    (`hashes`: sha256 by resolved path) and finacct code, else peeked by the pool's workers;
    what they peek is remembered (a failed peek is tried again next run). Also how many files
    were new and read well: a run with none most likely has nothing to build."""
    known = state["peeks"].get(code_version(), {})
    state["peeks"] = {code_version(): known}   # what other code peeked is dropped
    sha = {p: hashes[str(p.resolve())] for p in paths}
    todo = [p for p in paths if sha[p] not in known]
    new = {sha[p]: list(got) for p, got in pool.peek(todo).items() if got} if todo else {}
    known.update(new)
    return {p: tuple(known[sha[p]]) if sha[p] in known else None for p in paths}, len(new)


def _known_failure(state: dict[str, dict[str, Any]], source: str, fp: dict[str, str], timeout: float, memory_mb: int) -> str:
    """The reason this document failed last time, if it would fail again: same inputs and
    finacct version, and (for a limit it hit) no higher limit now. "" to build it."""
    f = state["failures"].get(source)
    if not f or f.get("fingerprint") != fp:
        return ""
    reason = str(f.get("reason") or "")
    if any(fault in reason for fault in MACHINE_FAULTS):
        return ""
    if reason.startswith(("timed out", "worker")) and (timeout > (f.get("timeout") or 0) or memory_mb > (f.get("memory_mb") or 0)):
        return ""
    return reason


def run(folder: str | Path, root: str | Path = "reports", workers: int | None = None, executor: str = "local",
        scheduler: str | None = None, timeout: float = 300, memory_mb: int = 4096, force: bool = False,
        progress: bool = True, store: bool = True, pair: bool = True) -> list[dict[str, Any]]:
    """Build every report; return one result per document (ok / skipped / failed + reason).
    With `pair`, a department's previous year in the same folder becomes the report's prior,
    and a final's budget of the same year gives its 完成率. A document that failed is not
    retried while its inputs are unchanged (unless `force`); a run killed at any point is
    resumed by the next (the journal), which also brings the store up to the reports on disk."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    state = read_state(root)
    results: list[dict[str, Any]] = []
    paths = discover(folder, exclude=root)
    hashes = {str(p.resolve()): sha256(p) for p in paths}
    pool = LocalPool(workers or os.cpu_count() or 1, timeout, memory_mb)
    try:
        peeked, new = peek_known(pool, paths, hashes, state)   # remembered in the state file at the end
        if executor == "local" and new:
            pool.warm()   # the workers that peeked new files warm up while the jobs are planned
        companions = pairs(paths, peeked) if pair else {}
        folders, moved = plan(paths, peeked, root)
        for w in moved:
            print(f"finacct: {w}", file=sys.stderr)
        jobs: list[Job] = []
        fps: dict[str, dict[str, str]] = {}
        for path in paths:
            found = {k: str(v.resolve()) for k, v in companions.get(path, {}).items()}
            dept, year, _ = peeked.get(path) or ("", None, "")
            job = Job(str(path.resolve()), str(root.resolve()), prior=found.get("prior", ""), budget=found.get("budget", ""),
                      dir=str(folders[path]), department=dept, year=year or 0, engine=IN_PROCESS)
            fps[job.source] = job.fingerprint = fp = fingerprint(job, hashes)
            existing = None if force else up_to_date(job)
            failed = "" if force else _known_failure(state, job.source, fp, timeout, memory_mb)
            if existing is not None:
                results.append(asdict(Result(job.source, "skipped", "inputs and finacct unchanged", str(existing))))
            elif failed:
                results.append(asdict(Result(job.source, "failed", f"{failed} (inputs unchanged since; --force retries)")))
            else:
                jobs.append(job)
        bar = _progress(len(jobs), progress)
        journal = Journal(root / JOURNAL)
        planned = {job.source: Path(job.dir) for job in jobs}

        def done(r: dict[str, Any]) -> None:
            journal.append({**{k: r.get(k, "") for k in ("source", "status", "reason", "dir")}, "fingerprint": fps.get(r["source"]),
                            "timeout": timeout, "memory_mb": memory_mb})
            results.append(r)
            name = Path(r["source"]).name
            if r["status"] == "failed":
                discard_partial(planned[r["source"]], root.resolve())   # a killed job's temporary folder, an empty department folder
                bar.write(f"FAILED {name}: {r['reason']}")
            bar.set_postfix_str(f"{'failed' if r['status'] == 'failed' else 'done'}: {name}", refresh=False)
            bar.update(1)
            bar.refresh()

        clean_parts(root, timeout)
        for job in jobs:
            discard_partial(Path(job.dir), root.resolve())   # what a run killed while building it left
        if jobs:
            if executor == "dask":
                pool.close()
                _dask_run(jobs, done, scheduler, workers or os.cpu_count() or 1, timeout, memory_mb)
            else:
                pool.run(jobs, done)
    finally:
        pool.close()
    bar.close()
    journal.close()
    for r in results:   # a failure carried over from an earlier run keeps its own record
        if r["status"] != "failed" or r["source"] in planned:
            _record(state, {**r, "fingerprint": fps.get(r["source"]), "timeout": timeout, "memory_mb": memory_mb})
    write_text_atomic(root / STATE, json.dumps(state, ensure_ascii=False, indent=1), durable=True)
    (root / JOURNAL).unlink(missing_ok=True)   # folded into the state file
    failures = {**{k: v for k, v in index.failures(root).items() if k not in {r["source"] for r in results}},
                **{r["source"]: r["reason"] for r in results if r["status"] == "failed"}}
    write_text_atomic(root / index.FAILURES, json.dumps(failures, ensure_ascii=False, indent=1))
    index.write(root)
    if store:
        _store(root, [r for r in results if r["status"] == "ok"])
    return results


def _store(root: Path, results: Iterable[dict[str, Any]]) -> None:
    """Add the new reports to the store, then every report on disk the store lacks (a batch
    killed before this step, a store deleted): the store follows the reports folder. A report
    the store cannot take, or a store that cannot be opened, is one line; the next run retries."""
    import pandas as pd

    from finacct.store import Store
    try:
        with Store(root / "finacct.duckdb") as s, s.bulk():
            for r in results:
                _add_report(s, Path(r["dir"]))
            have = s.query("SELECT doc_id, source, department, year FROM documents")
            ids = set(have["doc_id"])
            names = {(str(src), str(dept), None if pd.isna(y) else int(y)) for src, dept, y in zip(have["source"], have["department"], have["year"])}
            for folder, m in index.manifests(root):
                if m.get("source_sha256") in ids or (Path(str(m.get("source", ""))).name, str(m.get("department")), m.get("year")) in names:
                    continue   # stored, or superseded by a corrected copy of the same document
                _add_report(s, folder)
    except Exception as exc:  # noqa: BLE001 - the reports are on disk; the next run brings the store up to them
        print(f"finacct: the store {root / 'finacct.duckdb'} was not updated ({type(exc).__name__}: {exc})", file=sys.stderr)


def _add_report(s: Any, folder: Path) -> None:
    try:
        s.add_report(folder)
    except Exception as exc:  # noqa: BLE001 - one unreadable report folder does not keep the others out
        print(f"finacct: {folder}: not added to the store ({type(exc).__name__}: {exc})", file=sys.stderr)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
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
