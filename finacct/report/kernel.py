"""One warm Jupyter kernel per process (`finacct report`'s), started as early as it can be:
the kernel imports pandas and altair (its set-up code, sent without waiting) while this
process imports papermill and nbconvert, two cores at one time. The papermill engine
(engine.py) runs each notebook in it from a cleared namespace (reset.py). Only jupyter_client is imported here, so a builder can start its
kernel before anything heavy."""
from __future__ import annotations

import atexit
import contextlib
import queue
import time
from typing import Any

import zmq
from jupyter_client.manager import KernelManager

RESET = "__import__('finacct.report.reset', fromlist=['clear']).clear(get_ipython())"   # binds no name
QUIET = ["--IPKernelApp.log_level=ERROR"]
# No input history: a report's code is the notebook's, and IPython would otherwise write every
# cell of every report into the user's history database, a disk write per reset.
NO_HISTORY = ["--HistoryManager.enabled=False"]


def new_kernel(kernel_name: str) -> tuple[KernelManager, list[str]]:
    """A kernel manager whose kernel talks over encrypted TCP (CurveZMQ keys provisioned by
    the manager) when pyzmq and the kernelspec support it; ipykernel then has nothing to warn
    about. Otherwise the kernel's own log is kept to errors, so its one-line warning "Kernel is
    running over TCP without encryption" never lands in the middle of a batch's progress bar."""
    if zmq.has("curve") and "transport_encryption" in KernelManager.class_trait_names():
        km = KernelManager(kernel_name=kernel_name, transport_encryption="auto")
        if getattr(km, "_kernel_supports_curve_encryption", lambda: False)():
            return km, []
    return KernelManager(kernel_name=kernel_name), QUIET


class Warm:
    """The process's kernel and its one client. start() launches the kernel and sends its
    set-up code; ready() waits for both and clears the namespace, and is where every notebook's
    kernel comes from. The client stays connected from one notebook to the next: no per-report
    handshake (jupyter_client's wait_for_ready sleeps at least 0.2 s) and no client left behind
    by each (nbclient does not close one it opened on a kernel manager it was given)."""
    km: KernelManager | None = None
    kc: Any = None
    name = ""
    setup = ""                 # code every kernel this process starts runs first
    pending = ""               # msg_id of set-up code not yet waited for
    fresh = False              # launched, not yet handed out by ready()
    start_seconds = 0.0        # how long start() took to launch the running kernel
    started_seconds = 0.0      # kernel start-up the last ready() waited for (0 when the kernel was warm)

    @classmethod
    def start(cls, kernel_name: str, cwd: str | None, setup: str = "") -> None:
        """Launch the kernel unless one of that name is running, and send it `setup` (kept for
        the kernels started after it) without waiting for it."""
        cls.setup = setup or cls.setup   # ready() starts a kernel that died with the set-up it was given
        if cls.km is not None and (cls.name != kernel_name or not cls.km.is_alive()):
            cls.shutdown()
        if cls.km is not None:
            return
        t = time.perf_counter()
        km, extra = new_kernel(kernel_name)
        km.start_kernel(cwd=cwd, extra_arguments=[*NO_HISTORY, *extra])
        kc = km.client()
        kc.allow_stdin = False
        kc.start_channels(hb=False)   # the kernel manager watches the process
        cls.km, cls.kc, cls.name, cls.fresh = km, kc, kernel_name, True
        cls.pending = kc.execute(cls.setup, silent=True, store_history=False) if cls.setup else ""
        cls.start_seconds = time.perf_counter() - t

    @classmethod
    def ready(cls, kernel_name: str, cwd: str | None, timeout: float = 180) -> tuple[KernelManager, Any]:
        """The running kernel (launched if needed) and its client, its set-up code done, its
        namespace cleared."""
        t = time.perf_counter()
        cls.start(kernel_name, cwd)
        km, kc, fresh = cls.km, cls.kc, cls.fresh
        assert km is not None
        if fresh and cls.pending:   # its reply says the kernel is up, as wait_for_ready would (which sleeps 0.2 s or more)
            _await_reply(kc, cls.pending, km, timeout)
        elif fresh:
            kc.wait_for_ready(timeout=timeout)
        cls.pending, cls.fresh = "", False
        reply = kc.execute_interactive(RESET, timeout=30, store_history=False)["content"]
        if reply.get("status") != "ok":   # the next notebook would run on the last one's names
            raise RuntimeError(f"the kernel could not be reset between notebooks ({reply.get('ename')}: {reply.get('evalue')})")
        cls.started_seconds = cls.start_seconds + time.perf_counter() - t if fresh else 0.0
        return km, kc

    @classmethod
    def shutdown(cls) -> None:
        if cls.kc is not None:
            cls.kc.stop_channels()
            cls.kc = None
        if cls.km is not None:
            with contextlib.suppress(Exception):  # a dead kernel has nothing left to shut down
                cls.km.shutdown_kernel(now=True)
            cls.km = None


def _await_reply(kc: Any, msg_id: str, km: KernelManager, timeout: float) -> None:
    """Wait for the kernel's reply to request msg_id (its outcome is not checked: code that
    failed fails again, with its reason, in the notebook that needs it); a kernel that died or
    a deadline passed raises."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_shell_msg(timeout=1)
        except queue.Empty:
            if not km.is_alive():
                raise RuntimeError("the kernel died while it was being set up") from None
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return
    raise TimeoutError(f"the kernel was not set up within {timeout:g} s")


atexit.register(Warm.shutdown)
