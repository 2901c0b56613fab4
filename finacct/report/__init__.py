"""Reports: the department-report notebook executed by papermill (build.py; engine.py: in a warm
kernel, kernel.py, or in the process's own shell, shell.py; reset.py between two notebooks),
its offline HTML (html.py), the index page (index.py) and safe paths (paths.py).

Importing this package defers one import that costs every report process (the builder, each
batch worker, each kernel) about 1.5 s: jsonschema — imported by nbformat, papermill and
altair — loads the optional ``rfc3987_syntax`` at import time, which builds Earley parsers for
the IRI grammar (python-jsonschema/jsonschema#1428). No schema the reports validate uses the
``iri`` formats; the grammar is now built when an IRI is first checked, if ever."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types

IRI_SYNTAX = "rfc3987_syntax"
# The papermill engines' names (engine.py, imported only to build: it loads papermill): a warm
# kernel (`finacct report`), or the process's own shell (a batch worker: what a deadline kills).
WARM, IN_PROCESS = "finacct-warm", "finacct-inprocess"


def _defer_iri_grammar() -> None:
    """Stand in for rfc3987_syntax until jsonschema first checks an IRI: the stand-in's
    is_valid_syntax imports the real module then and hands the call on."""
    if IRI_SYNTAX in sys.modules or "jsonschema._format" in sys.modules or importlib.util.find_spec(IRI_SYNTAX) is None:
        return
    stand_in = types.ModuleType(IRI_SYNTAX)

    def is_valid_syntax(term: str, value: str) -> bool:
        if sys.modules.get(IRI_SYNTAX) is stand_in:
            del sys.modules[IRI_SYNTAX]
        return importlib.import_module(IRI_SYNTAX).is_valid_syntax(term, value)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    sys.modules[IRI_SYNTAX] = stand_in


_defer_iri_grammar()
