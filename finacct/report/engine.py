"""A papermill engine that keeps one warm kernel per process: finacct, pandas and altair are
imported once, each notebook starts from a cleared namespace. Registered as ``finacct-warm``;
papermill's own ``nbclient`` engine (a fresh kernel per notebook) stays available."""
from __future__ import annotations

import atexit
import contextlib
import time

import zmq
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

RESET = "get_ipython().reset(new_session=False, aggressive=False)"
QUIET = ["--IPKernelApp.log_level=ERROR"]


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


class WarmKernelEngine(NBClientEngine):
    _km: KernelManager | None = None
    _name = ""
    started_seconds = 0.0     # kernel start-up of the last run (0 when a warm kernel was reused)

    @classmethod
    def _kernel(cls, kernel_name: str, cwd: str | None) -> KernelManager:
        if cls._km is not None and (cls._name != kernel_name or not cls._km.is_alive()):
            cls.shutdown()
        cls.started_seconds = 0.0
        if cls._km is None:
            t = time.perf_counter()
            km, extra = new_kernel(kernel_name)
            km.start_kernel(cwd=cwd, extra_arguments=extra)
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
            finally:
                kc.stop_channels()
            cls._km, cls._name = km, kernel_name
            cls.started_seconds = time.perf_counter() - t
        else:
            kc = cls._km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=30)
                kc.execute_interactive(RESET, timeout=30, store_history=False)
            finally:
                kc.stop_channels()
        return cls._km

    @classmethod
    def shutdown(cls) -> None:
        if cls._km is not None:
            with contextlib.suppress(Exception):  # a dead kernel has nothing left to shut down
                cls._km.shutdown_kernel(now=True)
            cls._km = None

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        km = cls._kernel(kernel_name, kwargs.get("cwd"))
        kwargs = remove_args(["input_path", "timeout", "startup_timeout", "cwd"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                             log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
        return PapermillNotebookClient(nb_man, km=km, **final).execute()


papermill_engines.register("finacct-warm", WarmKernelEngine)
atexit.register(WarmKernelEngine.shutdown)
