"""Atomic file writes: a hidden temp file in the target folder, fsync, rename, fsync folder.

A reader (or a run after ``kill -9``) sees the old complete file or the new complete one,
never a half-written file; the temp file is removed on any exception. Also: owner-only
folders and files, an atomic folder swap, and output paths checked before any work.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from agent.core.errors import InputError

TMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    """Prefix of the temp files written for ``path`` (hidden, named after the target)."""
    return f".{path.name}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def remove_stale_temps(path: Path, suffix: str = TMP_SUFFIX) -> int:
    """Delete temp files of ``path`` left by a writer that was killed (``kill -9``, power
    loss): their name carries the writer's process id, and that process is gone."""
    removed = 0
    prefix = temp_prefix(path)
    for tmp in path.parent.glob(f"{glob.escape(prefix)}*{suffix}"):
        pid = tmp.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
    return removed


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
    remove_stale_temps(path, suffix)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{temp_prefix(path)}{os.getpid()}.", suffix=suffix,
                                    dir=path.parent)
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


# ---------------------------------------------------------------------- private files

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Create folder ``path`` readable by its owner only (missing parents get the usual
    permissions). An existing folder keeps its permissions: it may be one the user chose."""
    path = Path(path)
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR)
    except FileExistsError:
        if path.is_dir():  # created by another process meanwhile
            return path
        raise
    os.chmod(path, PRIVATE_DIR)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with owner-only permissions unless it exists. Made before
    SQLite opens a database, it also sets the permissions of the -wal and -shm files,
    which SQLite creates with those of the database file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return Path(path)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return Path(path)


# ---------------------------------------------------------------------- folder swap

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).
    False where the system or file system does not offer it."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def swap_in_dir(new: Path, target: Path, aside: Path) -> None:
    """Put complete folder ``new`` at ``target`` and move the old ``target`` to ``aside``.

    Readers of ``target`` see the old folder or the new one; only where the atomic exchange
    is missing is there a moment without ``target`` (never one where both are lost)."""
    if exchange_paths(new, target):
        os.rename(new, aside)  # ``new`` now names the old folder
    else:
        os.rename(target, aside)
        try:
            os.rename(new, target)
        except OSError:
            os.rename(aside, target)
            raise
    fsync_dir(target.parent)


# ---------------------------------------------------------------------- output paths


def check_output_dir(path: Path, option: str = "-o") -> None:
    """Fail before any work when ``path`` cannot be (made) a folder to write into."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder ({option} takes a folder)")
    _check_writable_ancestor(path)


def check_output_file(path: Path, option: str = "-o") -> None:
    """Fail before any work when ``path`` cannot be written as a file."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder ({option} takes a file name, "
                         f"e.g. {path / 'summary.json'})")
    _check_writable_ancestor(path.parent)


def _check_writable_ancestor(path: Path) -> None:
    """The nearest existing folder of ``path`` (itself included) must be a writable folder."""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise InputError(f"{path}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write in {existing} (permission denied)")
