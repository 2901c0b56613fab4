"""Data flows one way through finacct's modules: no module needs, even inside a function, one
that needs it back (the model once called up into the checks, and the store into the corpus).
The package's lazy API (finacct/__init__.py) and imports only for type checking do not count."""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "finacct"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        out[name] = path
    return out


def _imports(tree: ast.Module, known: dict[str, Path]) -> set[str]:
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for n in ast.walk(node)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("finacct"):
            named = {f"{node.module}.{a.name}" for a in node.names} & known.keys()
            out |= named or {node.module}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("finacct")}
    return out & known.keys() - {"finacct"}


def test_no_module_imports_one_that_imports_it_back() -> None:
    known = _modules()
    graph = {name: _imports(ast.parse(path.read_text(encoding="utf-8")), known) - {name}
             for name, path in known.items() if name != "finacct"}
    assert len(graph) > 50 and graph["finacct.reconcile"] >= {"finacct.model"}   # the graph is read, not empty
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        raise AssertionError(f"an import circle: {' -> '.join(exc.args[1])}") from None
