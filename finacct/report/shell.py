"""A notebook's cells run in this process's own IPython shell, their outputs recorded as a
kernel would send them: stream text in order with the displays, execute_result, display_data,
error with IPython's traceback. A batch worker is already what a deadline or a memory limit
kills, so a kernel process beside it only added a process to start (~1 CPU-s), every output
serialised twice and I/O threads competing with the other worker for the cores."""
from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_default
from nbformat import NotebookNode
from nbformat.v4 import new_output
from traitlets.config import Config

# What ipykernel says of itself in a notebook's metadata (kernel_info's language_info).
LANGUAGE_INFO = {"name": "python", "version": ".".join(map(str, sys.version_info[:3])), "mimetype": "text/x-python",
                 "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3",
                 "nbconvert_exporter": "python", "file_extension": ".py"}


def _json(value: Any) -> Any:
    """The value as it would arrive from a kernel: through JSON, with jupyter_client's
    conversions (bytes as base64, dates as ISO text)."""
    return json.loads(json.dumps(value, default=json_default))


class Outputs:
    """The outputs of the cell being run; stream text written one after another joins the
    same output, as a kernel's buffered stream sends it."""

    def __init__(self) -> None:
        self.items: list[NotebookNode] = []

    def stream(self, name: str, text: str) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.items.append(new_output("stream", name=name, text=text))

    def add(self, output_type: str, **fields: Any) -> None:
        self.items.append(new_output(output_type, **_json(fields)))


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr while a cell runs."""

    def __init__(self, shell: CellShell, name: str) -> None:
        self.shell, self.name = shell, name

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.shell.outputs.stream(self.name, text)
        return len(text)


class _Hook(DisplayHook):
    """A cell's last value as execute_result (the terminal's prompt and newlines left out)."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
        self.shell.outputs.add("execute_result", data=format_dict, metadata=md_dict or {},
                               execution_count=self.prompt_count)

    def finish_displayhook(self) -> None:
        pass


class _Publisher(DisplayPublisher):
    """display() as display_data; clear_output empties the cell's outputs."""

    def publish(self, data: dict, metadata: dict | None = None, source: Any = None, *, transient: dict | None = None,
                update: bool = False, **kwargs: Any) -> None:
        self._validate_data(data, metadata)
        self.shell.outputs.add("display_data", data=data, metadata=metadata or {})

    def clear_output(self, wait: bool = False) -> None:
        self.shell.outputs.items.clear()


class CellShell(InteractiveShell):
    """The shell the cells run in: no input history kept on disk, outputs to `outputs`."""

    displayhook_class = _Hook
    display_pub_class = _Publisher
    outputs = Outputs()

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        self.outputs.add("error", ename=etype.__name__, evalue=str(evalue), traceback=stb)

    def enable_gui(self, gui: str | None = None) -> None:
        pass

    def init_sys_modules(self) -> None:
        """Leave sys.modules['__main__'] alone, as IPython's embedded shell does: the process's
        own main module is what multiprocessing's spawn hands to the processes it starts."""

    @contextlib.contextmanager
    def capturing(self) -> Iterator[Outputs]:
        """Run code with its outputs going to a new Outputs."""
        self.outputs = out = Outputs()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")
        try:
            yield out
        finally:
            sys.stdout, sys.stderr = saved

    def run(self, source: str) -> tuple[list[NotebookNode], int, bool]:
        """Run one cell: its outputs, its execution count and whether it raised."""
        count = self.execution_count
        with self.capturing() as out:
            result = self.run_cell(source, store_history=True)
        return out.items, count, not result.success


def shell() -> CellShell:
    """The process's shell, made on first use."""
    if not CellShell.initialized():
        config = Config()
        config.HistoryManager.enabled = False   # each report's cells would be written to the user's history database
        CellShell.instance(config=config)
    return CellShell.instance()
