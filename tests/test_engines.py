"""The papermill engines a report runs on: ``finacct-inprocess`` (a batch worker's own IPython
shell) must write what ``finacct-warm`` (a kernel) writes, for a real report and for the
outputs a notebook can make; either must start each notebook as a fresh kernel would. Every
notebook runs in a new process, as a batch worker runs reports (in pytest's own, its warnings
capture would take a notebook's warnings, and the shell would outlive the test)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from finacct.report.build import NOTEBOOK, NOTEBOOKS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "changchun_gov_office_2023.txt"
ENGINES = ("finacct-warm", "finacct-inprocess")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
RUN = """import json, sys, papermill as pm
from finacct.report import engine
src, out, name, times, params = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
main = sys.modules["__main__"]
for i in range(times):
    try:
        pm.execute_notebook(src, f"{out}.{i}.ipynb", parameters=params, engine_name=name, progress_bar=False,
                            cwd=str(__import__("pathlib").Path(out).parent), request_save_on_cell_execute=False)
    except pm.PapermillExecutionError:
        pass
    print(json.dumps({"main_kept": sys.modules["__main__"] is main,
                      "cells_cached": sum(k.startswith("<ipython-input") for k in __import__("linecache").cache)}))
"""


def run(src: Path, out: Path, engine_name: str, times: int = 1, **parameters: str) -> tuple[list[nbformat.NotebookNode], list[dict]]:
    """The notebook run `times` times by one new process; the executed notebooks, and after
    each what the process still held (in the in-process engine's case, its own state)."""
    done = subprocess.run([sys.executable, "-c", RUN, str(src), str(out), engine_name, str(times), json.dumps(parameters)],
                          check=True, timeout=180, capture_output=True, text=True)
    return ([nbformat.read(f"{out}.{i}.ipynb", as_version=4) for i in range(times)],
            [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")])


def notebook(tmp_path: Path, *cells: nbformat.NotebookNode) -> Path:
    path = tmp_path / "in.ipynb"
    nbformat.write(new_notebook(cells=list(cells), metadata={"kernelspec": KERNELSPEC}), path)
    return path


def test_a_report_notebook_comes_out_the_same_from_both_engines(tmp_path: Path) -> None:
    """Every output of every cell of the department report on the embedded sample, its execution
    counts and the notebook's language_info: the same, byte for byte, from the shell as from the
    kernel; and the shell leaves its process's main module in place (multiprocessing needs it)."""
    made = {}
    for name in ENGINES:
        (tmp_path / name).mkdir()
        made[name], held = run(NOTEBOOKS / NOTEBOOK, tmp_path / name / "report", name, source=str(SAMPLE),
                               output_dir=str(tmp_path / name))
        assert held[0]["main_kept"] or name == "finacct-warm"
    (warm,), (inproc,) = (made[n] for n in ENGINES)

    def outputs(nb: nbformat.NotebookNode) -> list[tuple]:
        return [(c.cell_type, c.get("execution_count"), json.dumps(c.get("outputs"), ensure_ascii=False, sort_keys=True))
                for c in nb.cells]
    assert outputs(inproc) == outputs(warm)
    assert inproc.metadata.language_info == warm.metadata.language_info
    assert "长春市人民政府办公厅 2023 年度部门决算" in json.dumps(outputs(inproc), ensure_ascii=False)
    assert [c.metadata.papermill.status for c in inproc.cells] == ["completed"] * len(inproc.cells)


def test_the_shell_records_outputs_as_a_kernel_sends_them(tmp_path: Path) -> None:
    """Stream text in order with displays (stdout then stderr then stdout stay three outputs),
    what C code writes to file descriptors 1 and 2, undecodable text as a kernel shows it, a
    cell's last value as execute_result with its count (none after ';'), warnings on stderr,
    NaN kept valid JSON, pandas' notebook width, the notebook's folder as working directory, a
    display updated by its display_id in place, sys.stdout.fileno() into the cell's output;
    an error stops the notebook and marks it failed (papermill then raises it), unless the cell
    is tagged raises-exception; exit() fails the notebook where it is called."""
    src = notebook(tmp_path,
                   new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                   new_code_cell("import os, sys\nprint('a'); print('b', file=sys.stderr); print('c')\n"
                                 "os.write(1, b'from C\\n'); print('bad \\udc80 byte')"),
                   new_code_cell("import math\nfrom IPython.display import HTML, display\ndisplay(HTML('<b>x</b>'))\n"
                                 "display({'application/json': {'x': math.nan}}, raw=True)\nn + 41"),
                   new_code_cell("import warnings\nwarnings.warn('mind the unit')\n7;"),
                   new_markdown_cell("text"),
                   new_code_cell("import os, pandas\n(os.getcwd(), pandas.get_option('display.max_columns'))"),
                   new_code_cell("h = display('first', display_id=True)\nos.write(sys.stdout.fileno(), b'by descriptor\\n');"),
                   new_code_cell("h.update('second')"),
                   new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
                   new_code_cell("exit()"),
                   new_code_cell("print('never')"))
    (done,), _ = run(src, tmp_path / "out", "finacct-inprocess")
    assert done.metadata.papermill.exception
    cells = [c for c in done.cells if c.cell_type == "code"]
    assert [(o.output_type, o.name, o.text) for o in cells[1].outputs] == [
        ("stream", "stdout", "a\n"), ("stream", "stderr", "b\n"), ("stream", "stdout", "c\nbad \ufffd byte\nfrom C\n")]
    html, nan = (o for o in cells[2].outputs if o.output_type == "display_data")
    result = cells[2].outputs[-1]
    assert html.output_type == "display_data" and html.data["text/html"] == "<b>x</b>"
    assert nan.data["application/json"] == {"x": "nan"}
    assert (result.output_type, result.data["text/plain"], result.execution_count) == ("execute_result", "42", cells[2].execution_count)
    assert [o.output_type for o in cells[3].outputs] == ["stream"] and "UserWarning: mind the unit" in cells[3].outputs[0].text
    assert cells[4].outputs[0].data["text/plain"] == repr((str(tmp_path), 20))
    assert [(o.output_type, o.get("data", {}).get("text/plain"), o.get("text")) for o in cells[5].outputs] == [
        ("display_data", "'second'", None), ("stream", None, "by descriptor\n")] and cells[6].outputs == []
    assert (cells[7].outputs[0].output_type, cells[7].outputs[0].ename) == ("error", "ZeroDivisionError")
    error = cells[8].outputs[0]
    assert (error.ename, error.evalue) == ("SystemExit", "the notebook called exit()") and "SystemExit" in "".join(error.traceback)
    assert cells[9].outputs == [] and cells[9].execution_count is None
    assert [c.execution_count for c in cells[:9]] == list(range(1, 10))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_each_notebook_starts_as_in_a_fresh_kernel(engine_name: str, tmp_path: Path) -> None:
    """Names from the last notebook are gone; a warning it showed is shown again (Python shows
    one once per place in the process, so the second report said nothing); counts start at 1.
    In the shell, the last notebook's error (its traceback holds every frame's data) and its
    cells' source are let go."""
    src = notebook(tmp_path, new_code_cell(
        "import sys, warnings\nfrom finacct import peek\nprint('left' in dir(), hasattr(sys, 'last_value'))\nleft = 1\n"
        "warnings.warn_explicit('same words', UserWarning, 'x.py', 7, registry=vars(peek).setdefault('__warningregistry__', {}))"),
        new_code_cell("big = list(range(10 ** 6))\nraise ValueError('no table 7')"))
    notebooks, held = run(src, tmp_path / "out", engine_name, times=2)
    code = [[c for c in nb.cells if c.cell_type == "code"] for nb in notebooks]   # papermill puts its error banner first
    assert [[o.text for o in cells[0].outputs] for cells in code] == [["False False\n", "x.py:7: UserWarning: same words\n"]] * 2
    assert [[c.execution_count for c in cells] for cells in code] == [[1, 2]] * 2
    if engine_name == "finacct-inprocess":   # the cells' source is kept until the next notebook starts, then let go
        assert held[0]["cells_cached"] == held[1]["cells_cached"] == 2


def test_a_process_started_with_its_output_closed_still_builds(tmp_path: Path) -> None:
    """A batch run by a service with stdout and stderr closed: the cells' output still lands in
    the notebook (catching descriptors 1 and 2 failed in every cell)."""
    import os
    src = notebook(tmp_path, new_code_cell("print('ok'); 6 * 7"))
    code = ("import sys, papermill as pm\nfrom finacct.report import engine\n"
            "pm.execute_notebook(sys.argv[1], sys.argv[2], engine_name='finacct-inprocess', progress_bar=False)")
    subprocess.run([sys.executable, "-c", code, str(src), str(tmp_path / "out.ipynb")], check=True, timeout=120,
                   preexec_fn=lambda: (os.close(1), os.close(2)))   # noqa: PLW1509 - a test's child, no threads
    outputs = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs
    assert [o.get("text") or o.data["text/plain"] for o in outputs] == ["ok\n", "42"]
