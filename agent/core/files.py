"""Atomic file writes: a hidden temp file in the target folder, fsync, rename, fsync folder.

A reader (or a run after ``kill -9``) sees the old complete file or the new complete one,
never a half-written file; the temp file is removed on any exception.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    """Prefix of the temp files written for ``path`` (hidden, named after the target)."""
    return f".{path.name}."


def fsync_dir(directory: Path) -> None:
    """Persist a rename in ``directory`` (best effort; not every file system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", *, file_mode: int | None = None,
                suffix: str = TMP_SUFFIX) -> Iterator[IO[Any]]:
    """Open a temp file beside ``path`` for writing (``"w"`` text UTF-8 or ``"wb"``); on a
    clean exit it replaces ``path``. ``file_mode`` sets permissions (mkstemp's 0600
    otherwise)."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes only: mode {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=suffix, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        kwargs: dict[str, Any] = {"encoding": "utf-8", "newline": "\n"} if mode == "w" else {}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if file_mode is not None:
            os.chmod(tmp, file_mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str, *, file_mode: int | None = None) -> None:
    with atomic_open(path, "w", file_mode=file_mode) as fh:
        fh.write(text)


def write_bytes_atomic(path: Path, data: bytes, *, file_mode: int | None = None) -> None:
    with atomic_open(path, "wb", file_mode=file_mode) as fh:
        fh.write(data)
