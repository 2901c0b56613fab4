"""papermill engines: ``finacct-warm`` runs every notebook in the process's warm kernel
(kernel.py), ``finacct-inprocess`` in the process's own IPython shell (shell.py; batch
workers, which a deadline kills whole). In both, finacct, pandas and altair are imported once
and each notebook starts from a cleared namespace. papermill's own ``nbclient`` engine (a fresh
kernel per notebook) stays available."""
from __future__ import annotations

import contextlib
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from finacct.report import IN_PROCESS, WARM
from finacct.report.kernel import Warm
from finacct.report.reset import clear


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


class InProcessEngine(Engine):
    """Cells run one after another in this process, in the notebook's folder (`cwd`), as
    nbclient runs them: empty cells and cells tagged skip-execution skipped, the first error
    stops the notebook (papermill then raises it) unless the cell is tagged raises-exception.
    No per-cell timeout (execution_timeout is not applied): the caller's deadline is the
    process's, as a batch's --timeout is its worker's."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, cwd: str | None = None, **kwargs: Any) -> Any:
        from finacct.report.shell import language_info, shell  # IPython's shell: only for this engine
        sh = shell()
        clear(sh)
        nb_man.nb.metadata["language_info"] = dict(language_info())   # what the kernel would say
        with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():
            for index, cell in enumerate(nb_man.nb.cells):
                nb_man.cell_start(cell, index)
                try:
                    tags = cell.metadata.get("tags", [])
                    if cell.cell_type != "code" or not cell.source.strip() or "skip-execution" in tags:
                        continue
                    cell.outputs, cell.execution_count, failed = sh.run(cell.source)
                    if failed and "raises-exception" not in tags:
                        nb_man.cell_exception(cell, cell_index=index)
                        break
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
        return nb_man.nb


papermill_engines.register(WARM, WarmKernelEngine)
papermill_engines.register(IN_PROCESS, InProcessEngine)
