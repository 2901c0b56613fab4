"""A papermill engine that runs every notebook in the process's warm kernel (kernel.py):
finacct, pandas and altair are imported once, each notebook starts from a cleared namespace.
Registered as ``finacct-warm``; papermill's own ``nbclient`` engine (a fresh kernel per
notebook) stays available."""
from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from finacct.report.kernel import Warm


class WarmKernelEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        km, kc = Warm.ready(kernel_name, kwargs.get("cwd"))
        kwargs = remove_args(["input_path", "timeout", "startup_timeout", "cwd"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                             log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
        client = PapermillNotebookClient(nb_man, km=km, **final)
        client.kc = kc   # the warm client: nbclient opens (and leaves open) one of its own otherwise
        return client.execute()


papermill_engines.register("finacct-warm", WarmKernelEngine)
