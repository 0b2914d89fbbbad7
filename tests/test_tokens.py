from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from agent.core import tokens
from agent.core.tokens import (
    ENCODING_FILES,
    cache_key,
    count_tokens,
    encoding,
    ensure_tiktoken_cache,
)

TEXT = "中原经济区技工教育联盟成立大会在郑州召开。"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken.load

    def no_network(path: str) -> bytes:
        raise AssertionError(f"tiktoken tried to download {path}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    # restored after the test: ensure_tiktoken_cache points it at tmp dirs
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", os.environ.get("TIKTOKEN_CACHE_DIR", ""))


def test_cache_files_named_like_tiktoken(tmp_path: Path, offline: None) -> None:
    target = ensure_tiktoken_cache(tmp_path)
    assert target == tmp_path / "tiktoken"
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(target)
    for url, sha in ENCODING_FILES.values():
        path = target / hashlib.sha1(url.encode()).hexdigest()
        assert path.name == cache_key(url)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]


def test_idempotent_and_repairs(tmp_path: Path, offline: None) -> None:
    target = ensure_tiktoken_cache(tmp_path)
    url, sha = ENCODING_FILES["cl100k_base"]
    path = target / cache_key(url)
    mtime = path.stat().st_mtime_ns
    assert ensure_tiktoken_cache(tmp_path) == target
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    path.write_bytes(b"corrupt")
    tokens._ensured.discard(target)  # a new process would check again
    ensure_tiktoken_cache(tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha


@pytest.mark.parametrize(("name", "expected"), [("o200k_base", 15), ("cl100k_base", 27)])
def test_counts_offline(tmp_path: Path, offline: None, name: str, expected: int) -> None:
    enc = encoding(name, tmp_path)
    assert enc.name == name
    assert len(enc.encode(TEXT)) == expected
    assert enc.decode(enc.encode(TEXT)) == TEXT


def test_count_tokens_default(offline: None) -> None:
    assert count_tokens("") == 0
    assert count_tokens(TEXT) == 15
    assert count_tokens("<|endoftext|>") > 1  # special tokens counted as text, no error


def test_unknown_encoding() -> None:
    with pytest.raises(tokens.TokenizerError):
        encoding("r50k_base")
