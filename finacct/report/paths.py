"""Where a report goes and how it gets there: sanitised path components (a department named
``../../x`` stays inside reports/) and whole-directory atomic writes (an interrupted run
leaves the previous report or none, never half of one)."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def safe_name(text: str) -> str:
    """A single path component: no separators, no dot-only names, bounded length."""
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", text).strip(" .")
    return name[:80] or "unknown"


def report_dir(root: Path, department: str, year: int | None, fallback: str, kind: str = "final") -> Path:
    """root/<department>/<year> for final accounts, root/<department>/<year>-budget for a budget."""
    out = root / safe_name(department or fallback) / safe_name(str(year or "unknown") + ("-budget" if kind == "budget" else ""))
    if not out.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"report folder {out} would fall outside {root}")
    return out


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary directory beside `final`; on success it replaces `final` whole."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".part-", dir=final.parent))
    tmp.chmod(0o777 & ~umask())   # mkdtemp makes it 0700; a report folder is read from shared folders like any other
    try:
        yield tmp
        for attempt in range(5):   # another worker may be writing the same report (copies of one document)
            old = final.with_name(f".old-{final.name}-{os.getpid()}-{attempt}")
            try:
                if final.exists():
                    final.rename(old)
                tmp.rename(final)
                break
            except OSError:
                if attempt == 4:
                    raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def umask() -> int:
    """The process's file-creation mask (read without changing it where /proc says it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".part-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def sha256(path: str | Path | None) -> str:
    if not path:
        return ""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
