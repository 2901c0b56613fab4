"""Data flows one way through finacct's modules: no module needs, even inside a function, one
that needs it back (the model once called up into the checks, and the store into the corpus).
Imports for type checking only do not count; the package's lazy API (`finacct.check`, …) counts
as the module behind each name."""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from conftest import ROOT

import finacct

PACKAGE = ROOT / "finacct"


def _modules() -> dict[str, Path]:
    return {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path for path in PACKAGE.rglob("*.py")}


def _with_parents(name: str, importer: str) -> set[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py too, except the packages the
    importer itself is in (their __init__ is already running when a module of theirs imports)."""
    parts = name.split(".")
    return {p for k in range(2, len(parts) + 1) if not importer.startswith((p := ".".join(parts[:k])) + ".")}


def _imports(tree: ast.Module, known: dict[str, Path], importer: str) -> set[str]:
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
                   for stmt in node.body for n in ast.walk(stmt)}
    lazy = {**{name: module for name, module in finacct._API.items()}, **{name: f"finacct.{name}" for name in finacct._SUBMODULES}}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "finacct":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out |= {sub} if sub in known else {lazy[a.name]} if node.module == "finacct" and a.name in lazy else {node.module}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "finacct"}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "finacct" and node.attr in lazy:
            out.add(lazy[node.attr])   # finacct.check(...) after import finacct
    return {m for name in out for m in _with_parents(name, importer)} & known.keys()


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(ast.parse(path.read_text(encoding="utf-8")), known, name) - {name, "finacct"}
            for name, path in known.items() if name != "finacct"}


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    assert len(graph) > 50 and "finacct.model" in graph["finacct.reconcile"]   # the graph is read, not empty
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        raise AssertionError(f"an import circle: {' -> '.join(reversed(exc.args[1]))}") from None
