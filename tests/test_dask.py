"""The Dask executor against a real scheduler and workers started as separate processes on
127.0.0.1: a two-thread worker, the per-document limits on the worker, a worker killed
mid-run, a worker that does not see the reports folder, what listens, stale .part folders."""
from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from finacct import batch

pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")   # installed with distributed
DASK = str(Path(sys.executable).with_name("dask"))   # the venv's `dask` command
LOCAL = ["--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0"]   # as the README, on loopback
BROKEN = ROOT / "tests" / "fixtures" / "layouts" / "html_unruled_names.pdf"


def docs(folder: Path, years: tuple[int, ...], broken: bool = False) -> Path:
    """The sample as the department's disclosure of each year (its 2023/2022 changed), and
    optionally a truncated PDF."""
    folder.mkdir(parents=True)
    text = SAMPLE.read_text(encoding="utf-8")
    for y in years:
        (folder / f"changchun_{y}.txt").write_text(text.replace("2022", str(y - 1)).replace("2023", str(y)), encoding="utf-8")
    if broken:
        data = BROKEN.read_bytes()
        (folder / "broken.pdf").write_bytes(data[: len(data) // 2])
    return folder


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGTERM)   # the nanny closes its worker
    for p in procs:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:   # job processes die with their worker
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


@contextlib.contextmanager
def cluster(tmp: Path, nthreads: int = 2, wrap: list[str] | None = None) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """`dask scheduler` and one `dask worker` bound to 127.0.0.1 without dashboards, as the
    README starts them; yields the scheduler address and [scheduler, worker (nanny)]."""
    tmp.mkdir(parents=True, exist_ok=True)
    sched_file = tmp / "scheduler.json"
    procs = []
    try:
        with open(tmp / "scheduler.log", "wb") as fh:
            procs.append(subprocess.Popen([DASK, "scheduler", *LOCAL, "--port", "0", "--scheduler-file", str(sched_file)],
                                          stdout=fh, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp))
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        with open(tmp / "worker.log", "wb") as fh:
            procs.append(subprocess.Popen([*(wrap or []), DASK, "worker", address, *LOCAL, "--nthreads", str(nthreads), "--nworkers", "1"],
                                          stdout=fh, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp))
        yield address, procs
    finally:
        _stop(procs[::-1])


@pytest.fixture(scope="module")
def two_threads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """One worker with two threads (the README's plain `dask worker` on a two-core machine)."""
    with cluster(tmp_path_factory.mktemp("cluster"), nthreads=2) as (address, procs):
        yield address, procs


def worker_process(parent: psutil.Process) -> psutil.Process | None:
    """The Dask worker a nanny (or a LocalCluster) started: its spawned child."""
    return next((c for c in parent.children() if "spawn_main" in " ".join(c.cmdline())), None)


def watch(until: Callable[[], bool], then: Callable[[], None]) -> threading.Thread:
    def loop() -> None:
        for _ in range(1200):
            with contextlib.suppress(psutil.Error):
                if until():
                    then()
                    return
            time.sleep(0.05)
    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


@contextlib.contextmanager
def listeners(*roots: int) -> Iterator[set[tuple[int, str, int]]]:
    """(pid, address, port) of every socket listened on (TCP LISTEN, unconnected UDP) during the
    block by the processes this one starts meanwhile and by `roots` (with their descendants),
    sampled every 0.3 s."""
    seen: set[tuple[int, str, int]] = set()
    stop = threading.Event()
    me = psutil.Process()
    before = {c.pid for c in me.children(recursive=True)} - set(roots)

    def tree() -> list[psutil.Process]:
        procs = [me, *(c for c in me.children(recursive=True) if c.pid not in before)]
        for pid in roots:
            with contextlib.suppress(psutil.Error):
                procs += [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        return procs

    def sample() -> None:
        while not stop.is_set():
            for p in tree():
                with contextlib.suppress(psutil.Error):
                    for c in p.net_connections(kind="inet"):
                        if c.status == psutil.CONN_LISTEN or (c.type == socket.SOCK_DGRAM and not c.raddr):
                            seen.add((p.pid, c.laddr.ip, c.laddr.port))
            stop.wait(0.3)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        stop.set()
        sampler.join(5)


def loopback_only(seen: set[tuple[int, str, int]]) -> bool:
    return all(ipaddress.ip_address(ip).is_loopback for _, ip, _ in seen)


def test_a_two_thread_worker_builds_every_report(two_threads, tmp_path: Path) -> None:
    """Two threads each get a job process of their own (a shared kernel once made a good
    document fail with "Timeout waiting for reply"). The scheduler, nanny and worker listen on
    127.0.0.1 only; the job processes, building in their own shell, listen on nothing."""
    address, procs = two_threads
    src, out = docs(tmp_path / "docs", (2022, 2023), broken=True), tmp_path / "out"
    with listeners(*(p.pid for p in procs)) as seen:
        results = batch.run(src, out, executor="dask", scheduler=address, progress=False)
    by_name = {Path(r["source"]).name: r for r in results}
    assert {n: r["status"] for n, r in by_name.items()} == {"changchun_2022.txt": "ok", "changchun_2023.txt": "ok", "broken.pdf": "failed"}, results
    assert "truncated" in by_name["broken.pdf"]["reason"]
    assert sorted(Path(r["dir"]).name for r in results if r["dir"]) == ["2022", "2023"]
    assert all((Path(r["dir"]) / "report.html").exists() for r in results if r["dir"])
    assert "broken.pdf" in (out / "index.html").read_text(encoding="utf-8")
    assert len(json.loads((out / batch.STATE).read_text(encoding="utf-8"))["reports"]) == 2
    from finacct import Corpus
    corpus = Corpus.open(out / "finacct.duckdb")
    assert corpus.query("SELECT count(*) AS n FROM documents")["n"][0] == 2
    corpus.store.close()
    assert len({pid for pid, _, _ in seen}) >= 3 and loopback_only(seen), seen   # scheduler, nanny, worker


def test_a_worker_killed_mid_run_loses_no_document(two_threads, tmp_path: Path) -> None:
    """SIGKILL the worker while reports are being written: the nanny restarts it, the
    scheduler resubmits its jobs, every report is built; the killed worker's job processes
    do not live on beside the new ones."""
    address, (_, nanny) = two_threads
    src, out = docs(tmp_path / "docs", (2020, 2021)), tmp_path / "out"
    orphans: list[psutil.Process] = []

    def kill() -> None:
        w = worker_process(psutil.Process(nanny.pid))
        orphans.extend(w.children())
        w.send_signal(signal.SIGKILL)
    watcher = watch(lambda: bool(list(out.glob("*/.part-*"))), kill)
    results = batch.run(src, out, executor="dask", scheduler=address, progress=False)
    watcher.join(1)
    assert orphans, "the worker was not killed mid-run"
    assert not any(p.is_running() for p in orphans)
    assert sorted(r["status"] for r in results) == ["ok"] * 2, results
    assert sorted(Path(r["dir"]).name for r in results) == ["2020", "2021"]


def test_timeout_and_memory_limit_are_enforced_on_the_worker(two_threads, tmp_path: Path) -> None:
    """A warm report takes most of a second; with a 0.1 s limit it is cut then and leaves no
    temporary folder, and a 150 MB data segment kills the job process, not the Dask worker."""
    address, (_, nanny) = two_threads
    src, out = docs(tmp_path / "docs", (2023,)), tmp_path / "out"
    deadline = time.monotonic() + 60
    while (worker := worker_process(psutil.Process(nanny.pid))) is None and time.monotonic() < deadline:
        time.sleep(0.2)    # the nanny is still spawning it when this test runs first
    assert worker is not None
    t = time.monotonic()
    slow = batch.run(src, out, executor="dask", scheduler=address, timeout=0.1, progress=False, store=False)
    assert time.monotonic() - t < 20
    assert slow[0]["status"] == "failed" and slow[0]["reason"] == "timed out after 0.1 s", slow
    assert not list(out.rglob(".part-*"))
    big = batch.run(src, out, executor="dask", scheduler=address, memory_mb=150, progress=False, store=False)
    assert big[0]["status"] == "failed" and big[0]["reason"].startswith("worker"), big   # LocalPool's: died, or could not start
    assert worker_process(psutil.Process(nanny.pid)).pid == worker.pid    # the Dask worker itself lived on
    assert json.loads((out / "failures.json").read_text(encoding="utf-8"))[str((src / "changchun_2023.txt").resolve())] == big[0]["reason"]


def test_a_document_whose_workers_keep_dying_is_listed_failed(tmp_path: Path) -> None:
    """After the scheduler's allowed-failures (0 here) the document is listed failed with its
    reason, and the batch still writes its state, index and store. The LocalCluster the batch
    started listens on 127.0.0.1 only."""
    import dask
    src, out = docs(tmp_path / "docs", (2023,)), tmp_path / "out"
    me = psutil.Process()

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), listeners() as seen:
        def job_started() -> bool:   # and the worker's own socket sampled (its job may start within 0.3 s)
            w = worker_process(me)
            return w is not None and worker_process(w) is not None and any(pid == w.pid for pid, _, _ in list(seen))
        watcher = watch(job_started, lambda: worker_process(me).send_signal(signal.SIGKILL))
        results = batch.run(src, out, executor="dask", workers=1, progress=False)
    watcher.join(1)
    assert len({pid for pid, _, _ in seen}) >= 2 and loopback_only(seen), seen   # the batch's LocalCluster: no dashboard
    assert [(r["status"], r["reason"]) for r in results] == [("failed", "the Dask workers building it kept dying (killed, or out of memory?)")]
    assert "changchun_2023.txt" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / batch.STATE).exists() and (out / "finacct.duckdb").exists()


def test_a_worker_that_does_not_see_the_reports_folder_is_refused_at_start(tmp_path: Path) -> None:
    """The worker runs in its own mount namespace where the reports folder's path is another,
    empty folder (each machine with its own local reports/): one line, exit 2, nothing built."""
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs unshare -m (root) to give the worker a private reports folder")
    src, private = docs(tmp_path / "docs", (2023,)), tmp_path / "private"
    (private / "reports").mkdir(parents=True)
    wrap = ["unshare", "-m", "sh", "-c", f'mount -t tmpfs tmpfs "{private}" && mkdir "{private}/reports" && exec "$0" "$@"']
    with cluster(tmp_path / "cluster", nthreads=1, wrap=wrap) as (address, _):
        out = subprocess.run([sys.executable, "-m", "finacct.cli", "batch", str(src), "--out", str(private / "reports"),
                              "--executor", "dask", "--scheduler", address, "--quiet"], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in out.stderr.splitlines() if line.startswith("finacct:")]
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and "does not see this machine's reports folder" in lines[0], out.stderr
    assert "same absolute paths" in lines[0]
    assert not (private / "reports" / "index.html").exists() and not list((private / "reports").iterdir())


def test_stale_part_folders_are_cleaned_at_the_next_run(tmp_path: Path) -> None:
    """A killed job's temporary report folder goes at the next run; one a live job may still
    be writing (changed within the time limit) stays."""
    root = tmp_path / "reports"
    old, fresh = root / "某部门" / ".part-killed", root / "某部门" / ".part-live"
    for d in (old, fresh):
        d.mkdir(parents=True)
        (d / "report.ipynb").write_text("{}")
    hour_ago = time.time() - 3600
    for p in (old / "report.ipynb", old):
        os.utime(p, (hour_ago, hour_ago))
    (tmp_path / "docs").mkdir()
    batch.run(tmp_path / "docs", root, timeout=300, progress=False, store=False)
    assert not old.exists() and fresh.exists()


def test_readme_starts_the_scheduler_and_workers_on_one_address_without_public_listeners() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(("dask scheduler", "dask worker"))]
    assert len(lines) == 2
    for line in lines:
        assert "--host " in line and "--no-dashboard" in line and "--dashboard-address 127.0.0.1:0" in line, line
    assert "--nthreads" in lines[1]
