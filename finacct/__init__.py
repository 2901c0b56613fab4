"""finacct: Chinese department final-accounts disclosures (部门决算公开) as clean tables,
checked, explained and drawn.

The API is imported on first use, so ``import finacct`` (and the command line, which imports
this package) costs no pandas or altair until something needs them."""
from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finacct.corpus import Corpus
    from finacct.errors import UnreadableError
    from finacct.load import load
    from finacct.model import Disclosure
    from finacct.narrative.draft import explain
    from finacct.reconcile import check

__version__ = "0.1.0"
__all__ = ["Corpus", "Disclosure", "UnreadableError", "__version__", "check", "explain", "load"]

_API = {"Corpus": "finacct.corpus", "Disclosure": "finacct.model", "UnreadableError": "finacct.errors",
        "explain": "finacct.narrative.draft", "check": "finacct.reconcile"}
_SUBMODULES = {"charts", "widgets"}


def __getattr__(name: str) -> Any:
    """``finacct.Corpus`` etc. and ``finacct.charts`` / ``finacct.widgets``, imported when first asked for."""
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    if name in _API:
        value = globals()[name] = getattr(import_module(_API[name]), name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API, *_SUBMODULES, "load"})


class _Package(types.ModuleType):
    """``finacct.load`` stays the function: importing the submodule ``finacct.load`` (batch,
    corpus and report do) makes the import system set the package attribute to the module,
    which this property ignores."""

    @property
    def load(self) -> Any:
        return import_module("finacct.load").load

    @load.setter
    def load(self, _submodule: types.ModuleType) -> None:
        pass


sys.modules[__name__].__class__ = _Package
