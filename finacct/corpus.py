"""Corpus: several disclosures, the same department matched across years (departments.py),
so a draft can compare with the year before."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from finacct.departments import department_key, same_department
from finacct.load import load
from finacct.model import Disclosure

if TYPE_CHECKING:
    import pandas as pd

    from finacct.store import Store

class Corpus:
    """Disclosures of many departments and years."""

    def __init__(self, disclosures: Iterable[Disclosure] = (), store: "Store | None" = None) -> None:
        self.disclosures: list[Disclosure] = list(disclosures)
        self.store = store

    @classmethod
    def open(cls, path: str | Path = "reports/finacct.duckdb") -> "Corpus":
        """The corpus a batch left in its DuckDB store (read-only). Every document is listed at
        once; its tables and facts are read from the store when first used."""
        from finacct.store import Store
        store = Store(path, read_only=True)
        return cls(store.disclosures(), store)

    def query(self, sql: str, params: list | None = None) -> "pd.DataFrame":
        """SQL over the store's tables (documents, facts, findings, claims) and views (money,
        budget_execution, sangong)."""
        if self.store is None:
            raise ValueError("this corpus has no store: use Corpus.open(path) on a batch's finacct.duckdb")
        return self.store.query(sql, params)

    def departments(self) -> list[str]:
        return sorted({d.department for d in self.disclosures if d.department})

    def years(self, department: str) -> list[int]:
        return sorted({d.year for d in self.disclosures if d.year and same_department(d.department, department)})

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> "Corpus":
        return cls(load(p) for p in paths)

    def add(self, d: Disclosure) -> None:
        self.disclosures.append(d)

    def find(self, department: str, year: int, kind: str = "final") -> Disclosure | None:
        """The disclosure (final accounts, or kind="budget") of that department and year; an
        exact name wins over a similar one."""
        hits = [d for d in self.disclosures if d.year == year and d.kind == kind and same_department(d.department, department)]
        hits.sort(key=lambda d: department_key(d.department) != department_key(department))
        return hits[0] if hits else None

    def prior(self, d: Disclosure) -> Disclosure | None:
        """The same department's disclosure of the year before."""
        return self.find(d.department, d.year - 1, d.kind) if d.year else None

    def budget(self, d: Disclosure) -> Disclosure | None:
        """The same department's budget (部门预算) of the same year."""
        return self.find(d.department, d.year, "budget") if d.year else None

    def __len__(self) -> int:
        return len(self.disclosures)

    def __repr__(self) -> str:
        years = sorted({d.year for d in self.disclosures if d.year})
        return f"<Corpus {len(self)} disclosures, {len({department_key(d.department) for d in self.disclosures})} departments, years {years}>"
