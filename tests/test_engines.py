"""The papermill engines a report runs on: ``finacct-inprocess`` (a batch worker's own IPython
shell) must write what ``finacct-warm`` (a kernel) writes, for a real report and for the
outputs a notebook can make; either must start each notebook as a fresh kernel would."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from finacct.report import engine  # noqa: F401  (registers the engines)
from finacct.report.build import NOTEBOOK, NOTEBOOKS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "changchun_gov_office_2023.txt"
ENGINES = ("finacct-warm", "finacct-inprocess")
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def run(src: Path, out: Path, engine_name: str, **parameters: str) -> nbformat.NotebookNode:
    pm.execute_notebook(str(src), str(out), parameters=parameters, engine_name=engine_name, progress_bar=False,
                        cwd=str(out.parent), request_save_on_cell_execute=False)
    return nbformat.read(out, as_version=4)


def run_apart(src: Path, engine_name: str, times: int = 1) -> list[nbformat.NotebookNode]:
    """The notebook run `times` times by one new process, as a batch worker runs reports (here
    pytest would catch the warnings a notebook shows). The executed notebooks, in order."""
    code = ("import sys, papermill as pm\nfrom finacct.report import engine\n"
            "for i in range(int(sys.argv[3])):\n"
            "    try: pm.execute_notebook(sys.argv[1], f'{sys.argv[1]}.{i}.ipynb', engine_name=sys.argv[2], "
            "progress_bar=False, cwd=str(__import__('pathlib').Path(sys.argv[1]).parent))\n"
            "    except pm.PapermillExecutionError: pass\n")
    subprocess.run([sys.executable, "-c", code, str(src), engine_name, str(times)], check=True, timeout=120)
    return [nbformat.read(f"{src}.{i}.ipynb", as_version=4) for i in range(times)]


def notebook(tmp_path: Path, *cells: nbformat.NotebookNode) -> Path:
    path = tmp_path / "in.ipynb"
    nbformat.write(new_notebook(cells=list(cells), metadata={"kernelspec": KERNELSPEC}), path)
    return path


def test_a_report_notebook_comes_out_the_same_from_both_engines(tmp_path: Path) -> None:
    """Every output of every cell of the department report on the embedded sample, its execution
    counts and the notebook's language_info: the same, byte for byte, from the shell as from the kernel;
    and the shell leaves this process's main module in place."""
    made, main = {}, sys.modules["__main__"]
    for name in ENGINES:
        (tmp_path / name).mkdir()
        made[name] = run(NOTEBOOKS / NOTEBOOK, tmp_path / name / "report.ipynb", name, source=str(SAMPLE),
                         output_dir=str(tmp_path / name))
    warm, inproc = (made[n] for n in ENGINES)

    def outputs(nb: nbformat.NotebookNode) -> list[tuple]:
        return [(c.cell_type, c.get("execution_count"), json.dumps(c.get("outputs"), ensure_ascii=False, sort_keys=True))
                for c in nb.cells]
    assert outputs(inproc) == outputs(warm)
    assert inproc.metadata.language_info == warm.metadata.language_info
    assert "长春市人民政府办公厅 2023 年度部门决算" in json.dumps(outputs(inproc), ensure_ascii=False)
    assert [c.metadata.papermill.status for c in inproc.cells] == ["completed"] * len(inproc.cells)
    assert sys.modules["__main__"] is main   # multiprocessing's spawn still finds this process's own


def test_the_shell_records_outputs_as_a_kernel_sends_them(tmp_path: Path) -> None:
    """Stream text in order with displays (stdout then stderr then stdout stay three outputs), a
    cell's last value as execute_result with its count (none after ';'), warnings on stderr, the
    notebook's folder as working directory; an error stops the notebook and marks it failed
    (papermill then raises it), unless the cell is tagged raises-exception."""
    src = notebook(tmp_path,
                   new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                   new_code_cell("import sys\nprint('a'); print('b', file=sys.stderr); print('c')"),
                   new_code_cell("from IPython.display import HTML, display\ndisplay(HTML('<b>x</b>'))\nn + 41"),
                   new_code_cell("import warnings\nwarnings.warn('mind the unit')\n7;"),
                   new_markdown_cell("text"),
                   new_code_cell("import os\nos.getcwd()"),
                   new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
                   new_code_cell("raise ValueError('no table 7')"),
                   new_code_cell("print('never')"))
    done = run_apart(src, "finacct-inprocess")[0]
    assert done.metadata.papermill.exception
    cells = [c for c in done.cells if c.cell_type == "code"]
    assert [(o.output_type, o.name, o.text) for o in cells[1].outputs] == [
        ("stream", "stdout", "a\n"), ("stream", "stderr", "b\n"), ("stream", "stdout", "c\n")]
    display, result = cells[2].outputs
    assert display.output_type == "display_data" and display.data["text/html"] == "<b>x</b>"
    assert (result.output_type, result.data["text/plain"], result.execution_count) == ("execute_result", "42", cells[2].execution_count)
    assert [o.output_type for o in cells[3].outputs] == ["stream"] and "UserWarning: mind the unit" in cells[3].outputs[0].text
    assert cells[4].outputs[0].data["text/plain"] == repr(str(tmp_path))
    assert (cells[5].outputs[0].output_type, cells[5].outputs[0].ename) == ("error", "ZeroDivisionError")
    error = cells[6].outputs[0]
    assert (error.ename, error.evalue) == ("ValueError", "no table 7") and "ValueError" in "".join(error.traceback)
    assert cells[7].outputs == [] and cells[7].execution_count is None
    assert [c.execution_count for c in cells[:7]] == list(range(1, 8))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_each_notebook_starts_as_in_a_fresh_kernel(engine_name: str, tmp_path: Path) -> None:
    """Names from the last notebook are gone, and a warning it showed is shown again (Python
    shows one once per place in the process, so the second report said nothing)."""
    src = notebook(tmp_path, new_code_cell(
        "import warnings\nfrom finacct import peek\nprint('left' in dir())\nleft = 1\n"
        "warnings.warn_explicit('same words', UserWarning, 'x.py', 7, registry=vars(peek).setdefault('__warningregistry__', {}))"))
    seen = [nb.cells[0].outputs for nb in run_apart(src, engine_name, times=2)]
    assert [[o.text for o in out] for out in seen] == [["False\n", "x.py:7: UserWarning: same words\n"]] * 2
