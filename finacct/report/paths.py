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


def part_prefix(final: Path) -> str:
    """The name prefix of `final`'s temporary folders (beside it): one job's, never a sibling's."""
    return f".part-{final.name}~"


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary directory beside `final`; on success it replaces `final` whole. On
    failure nothing is left: no temporary folder, and no department folder made for it."""
    with staging_dir(final.parent, part_prefix(final)) as tmp:
        yield tmp
        replace_dir(tmp, final)


@contextmanager
def staging_dir(near: Path, prefix: str) -> Iterator[Path]:
    """A temporary folder in `near` (made with its missing parents) for a report whose folder
    may be decided only once it is built: moved to it by replace_dir. Whatever is left of it
    on exit is removed, and on failure the parents it made if they are empty."""
    made = _missing_parents(near / prefix)
    for attempt in range(3):   # a failing sibling may remove the department folder just made
        near.mkdir(parents=True, exist_ok=True)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=near))
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    tmp.chmod(0o777 & ~umask())   # mkdtemp makes it 0700; a report folder is read from shared folders like any other
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(made)
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def replace_dir(tmp: Path, final: Path) -> None:
    """Put the folder tmp at final in one rename (an older final is moved aside, then removed);
    tmp must be on final's file system. Parents made for final go again if the rename fails."""
    made = _missing_parents(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(5):   # another worker may be writing the same report (copies of one document)
        old = final.with_name(f".old-{final.name}-{os.getpid()}-{attempt}")
        try:
            if final.exists():
                final.rename(old)
            tmp.rename(final)
            return
        except OSError:
            if attempt == 4:
                _remove_empty(made)
                raise
        finally:
            shutil.rmtree(old, ignore_errors=True)


def discard_partial(final: Path, root: Path) -> None:
    """What a killed job left for `final`: its temporary folders, and the folders above it up
    to root that are now empty (a failed document leaves no empty department folder)."""
    for tmp in final.parent.glob(part_prefix(final) + "*"):
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_empty([p for p in [final.parent, *final.parent.parents] if p.is_relative_to(root) and p != root])


def _missing_parents(final: Path) -> list[Path]:
    """final's ancestors that do not exist yet, deepest first."""
    out = []
    for p in final.parents:
        if p.exists():
            break
        out.append(p)
    return out


def _remove_empty(folders: list[Path]) -> None:
    """Remove each folder (deepest first) while it is empty; a folder in use stays."""
    for p in folders:
        try:
            p.rmdir()
        except OSError:
            return


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


def write_text_atomic(path: Path, text: str, durable: bool = False) -> None:
    """Write text to path via a temporary file and a rename; `durable` also syncs it to disk
    first (a state file must survive a crash right after the rename)."""
    tmp = path.with_name(path.name + f".part-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)   # a full disk keeps no half-written copy
        raise


def sha256(path: str | Path | None) -> str:
    if not path:
        return ""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
