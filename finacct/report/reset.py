"""Between two notebooks run in one process (a warm kernel, or a batch worker's own shell):
the process made to look to the next notebook as a fresh kernel would, without what the last
one left behind. Only the standard library here: the kernel imports it at every reset."""
from __future__ import annotations

import contextlib
import linecache
import sys
import warnings
from typing import Any

LAST_ERROR = ("last_type", "last_value", "last_traceback", "last_exc")


def clear(shell: Any) -> None:
    """Forget the last notebook: its namespace; the last error IPython keeps (with its
    traceback, every frame's data: a report that failed would pin its document into the next);
    the inputs and output reprs kept in memory (with no history database nothing else empties
    them) and the cells' source in linecache; which warnings were shown (Python shows one once
    per place: the next notebook would not show one this one did); the execution count, so a
    notebook's counts do not depend on what the process ran before."""
    shell.reset(new_session=False, aggressive=False)
    shell.execution_count = 1
    for name in LAST_ERROR:
        if hasattr(sys, name):
            delattr(sys, name)
    for module in list(sys.modules.values()):
        getattr(module, "__dict__", {}).get("__warningregistry__", {}).clear()
    warnings.onceregistry.clear()
    # IPython's own keeping, reached through its internals: an IPython that moved one keeps more.
    with contextlib.suppress(AttributeError):
        shell.InteractiveTB.tb = None
    with contextlib.suppress(AttributeError):
        history = shell.history_manager
        del history.input_hist_parsed[1:], history.input_hist_raw[1:]
        for kept in (history.db_input_cache, history.db_output_cache, history.output_hist_reprs):
            kept.clear()
    with contextlib.suppress(AttributeError):
        names = shell.compile._filename_map
        for filename in names:
            linecache.cache.pop(filename, None)
        names.clear()
