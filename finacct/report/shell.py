"""A notebook's cells run in this process's own IPython shell, their outputs recorded as a
kernel would send them: stream text in order with the displays, execute_result, display_data,
error with IPython's traceback. A batch worker is already what a deadline or a memory limit
kills, so a kernel process beside it only added a process to start (~1 CPU-s), every output
serialised twice and I/O threads competing with the other worker for the cores."""
from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.session import json_packer, json_unpacker
from nbformat import NotebookNode
from nbformat.v4 import new_output
from traitlets.config import Config

_LIBC = ctypes.CDLL(None)   # this process's C library, whose stdio buffers a cell's C code may leave unflushed


def _json(value: Any) -> Any:
    """The value as it would arrive from a kernel: packed and unpacked as jupyter_client's
    session does (bytes as base64, dates as ISO text, NaN as a string: valid JSON)."""
    return json_unpacker(json_packer(value))


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

    def add(self, output_type: str, **fields: Any) -> NotebookNode:
        self.items.append(node := new_output(output_type, **_json(fields)))
        return node


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr while a cell runs."""

    def __init__(self, shell: CellShell, name: str, fd: int) -> None:
        self.shell, self.name, self.fd = shell, name, fd

    def fileno(self) -> int:
        """The descriptor it stands for, which a cell's run points into the same output."""
        return self.fd

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:   # a lone surrogate (undecodable bytes read as text) as the kernel shows it, not a notebook that cannot be saved
            self.shell.outputs.stream(self.name, text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
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
    """display() as display_data; a display_id's update replaces every output shown with that
    id in the notebook, as nbclient does; clear_output empties the cell's outputs."""

    def publish(self, data: dict, metadata: dict | None = None, source: Any = None, *, transient: dict | None = None,
                update: bool = False, **kwargs: Any) -> None:
        self._validate_data(data, metadata)
        display_id = (transient or {}).get("display_id")
        shown = self.shell.displays.setdefault(display_id, []) if display_id else []
        if update:
            for node in shown:
                node.data, node.metadata = _json(data), _json(metadata or {})
            return
        shown.append(self.shell.outputs.add("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait: bool = False) -> None:
        self.shell.outputs.items.clear()


class CellShell(InteractiveShell):
    """The shell the cells run in: no input history kept on disk, outputs to `outputs` (a new
    one for each cell; what is shown outside a cell goes nowhere)."""

    displayhook_class = _Hook
    display_pub_class = _Publisher

    def __init__(self, **kwargs: Any) -> None:
        self.outputs = Outputs()
        self.displays: dict[str, list[NotebookNode]] = {}   # display_id -> the outputs shown with it, this notebook
        super().__init__(**kwargs)

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        self.outputs.add("error", ename=etype.__name__, evalue=str(evalue), traceback=stb)

    def enable_gui(self, gui: str | None = None) -> None:
        pass

    def ask_exit(self) -> None:
        """exit() in a cell: the notebook fails there, as a kernel that exits fails it."""
        raise SystemExit("the notebook called exit()")

    def reset(self, new_session: bool = True, aggressive: bool = False) -> None:
        """A new notebook: the display ids the last one showed go with its namespace."""
        super().reset(new_session, aggressive)
        self.displays.clear()

    def init_sys_modules(self) -> None:
        """Leave sys.modules['__main__'] alone, as IPython's embedded shell does: the process's
        own main module is what multiprocessing's spawn hands to the processes it starts."""

    def run(self, source: str) -> tuple[list[NotebookNode], int, bool]:
        """Run one cell: its outputs (sys.stdout and sys.stderr, and what C code writes to file
        descriptors 1 and 2, after the cell's own, as a kernel sends it), its execution count and
        whether it raised."""
        count = self.execution_count
        self.outputs = out = Outputs()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self, "stdout", 1), _Stream(self, "stderr", 2)
        try:
            with _descriptors(out):
                result = self.run_cell(source, store_history=True)
        finally:
            sys.stdout, sys.stderr = saved
            self.outputs = Outputs()   # what a thread shows after the cell goes nowhere
        return out.items, count, not result.success


@contextlib.contextmanager
def _descriptors(out: Outputs) -> Iterator[None]:
    """File descriptors 1 and 2 into temporary files for the block, their text then added to
    `out` as stream output: a library's C code writing there lands in the report, not in the
    middle of the batch's progress bar."""
    for stream in (sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    saved: dict[int, int] = {}
    for fd in (1, 2):
        with contextlib.suppress(OSError):   # started with it closed: nothing written there to catch
            saved[fd] = os.dup(fd)
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        files = {1: stdout, 2: stderr}
        try:
            for fd in saved:
                os.dup2(files[fd].fileno(), fd)
            yield
        finally:
            with contextlib.suppress(Exception):
                _LIBC.fflush(None)   # C stdio's buffered text, before the descriptors go back
            for fd, old in saved.items():
                os.dup2(old, fd)
                os.close(old)
            for name, file in zip(("stdout", "stderr"), files.values()):
                file.seek(0)
                if text := file.read().decode("utf-8", "replace"):
                    out.stream(name, text)


def shell() -> CellShell:
    """The process's shell, made on first use, set up as ipykernel sets up a kernel where it
    shows: matplotlib's inline backend, pandas' notebook display width."""
    if not CellShell.initialized():
        config = Config()
        config.HistoryManager.enabled = False   # each report's cells would be written to the user's history database
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        import pandas  # takes a process without a kernel for a terminal: tables shown 0 columns wide
        pandas.set_option("display.max_columns", 20)
        CellShell.instance(config=config)
    return CellShell.instance()


@functools.cache
def language_info() -> dict:
    """What ipykernel says of its language in a notebook's metadata (the notebook a shell runs
    reads as one a kernel ran). Looked up once, at warm-up: importing the kernel takes a while."""
    from ipykernel.ipkernel import IPythonKernel
    return dict(IPythonKernel.language_info)
