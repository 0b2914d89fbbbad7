"""Ingest, incremental updates, search in both scripts, bad input, Chroma server mode."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent.cli import main
from agent.core.config import load_settings
from agent.index.retrieval import search
from agent.index.store import Store
from agent.ingest.pipeline import ingest


@pytest.fixture
def corpus(tmp_path: Path, seeds: list[Path]) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for s in seeds:
        shutil.copy(s, folder / s.name)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(load_settings({"store": tmp_path / "store"}))


def test_ingest_seeds_and_search_both_scripts(store: Store, corpus: Path) -> None:
    report = ingest(store, [corpus])
    assert report.count("added") == 5 and not report.failed
    docs, chunks = store.counts()
    assert docs == 5 and chunks >= 10
    assert len(store.collection.get(include=[])["ids"]) == chunks
    simplified = search(store, "中原经济区技工教育联盟成立大会", k=3)
    traditional = search(store, "中原經濟區技工教育聯盟成立大會", k=3)
    assert simplified[0].chunk.path.endswith("002_af21a9a31e226004.txt")
    assert traditional[0].chunk.path.endswith("002_af21a9a31e226004.txt")
    hits = search(store, "绍兴数字工匠共育联盟", k=3)
    assert hits[0].chunk.path.endswith("004_dda3a32338a80fe7.txt")
    for h in hits:
        assert store.original(h.chunk.doc_id)[h.chunk.start : h.chunk.end]


def test_reingest_unchanged_does_no_embedding(
    store: Store, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, [corpus])
    import agent.index.embeddings as emb

    calls: list[int] = []
    real = emb.embed_texts

    def counting(texts: list[str]):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(emb, "embed_texts", counting)
    report = ingest(store, [corpus])
    assert report.count("unchanged") == 5
    assert calls == []
    # a changed file replaces its old chunks
    target = corpus / "004_dda3a32338a80fe7.txt"
    target.write_text(target.read_text(encoding="utf-8")[:400], encoding="utf-8")
    before = {c.chunk_id for c in store.chunks(doc_id=report.results[-1].doc_id)}
    report = ingest(store, [target])
    assert report.results[0].status == "updated"
    after = {c.chunk_id for c in store.chunks(doc_id=report.results[0].doc_id)}
    assert after and not (after & before)
    _, chunks = store.counts()
    assert len(store.collection.get(include=[])["ids"]) == chunks


def test_prune_removes_missing_files(store: Store, corpus: Path) -> None:
    ingest(store, [corpus])
    (corpus / "003_dabb0bdaedc4487d.txt").unlink()
    report = ingest(store, [corpus], prune=True)
    assert report.count("removed") == 1
    assert store.counts()[0] == 4


def _run(args: list[str], store_dir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--store", str(store_dir), *args])
    return result.exit_code, result.output


def test_bad_inputs_one_line_and_store_unchanged(tmp_path: Path, corpus: Path) -> None:
    store_dir = tmp_path / "store"
    code, _ = _run(["ingest", str(corpus)], store_dir)
    assert code == 0
    counts = Store(load_settings({"store": store_dir})).counts()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    cases = {
        "empty.txt": "empty",
        "binary.txt": "binary",
    }
    for name, word in cases.items():
        code, out = _run(["ingest", str(bad / name)], store_dir)
        assert code == 2, out
        errors = [line for line in out.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and word in errors[0].lower(), out
        assert "Traceback" not in out
    code, out = _run(["ingest", str(tmp_path / "missing.txt")], store_dir)
    assert code == 2 and "no such file" in out and "Traceback" not in out
    assert Store(load_settings({"store": store_dir})).counts() == counts


def test_gbk_file_ingested(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    text = "职业教育活动周在哈尔滨职业技术学院举行。市域产教联合体建设稳步推进。"
    path.write_bytes(text.encode("gbk"))
    store = Store(load_settings({"store": tmp_path / "store"}))
    report = ingest(store, [path])
    assert report.count("added") == 1
    hit = search(store, "市域产教联合体", k=1)[0]
    assert "市域产教联合体" in hit.chunk.text


def test_huge_file_refused_by_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    line = "职业教育产教融合共同体建设取得新进展。\n".encode()
    with path.open("wb") as fh:
        for _ in range(20 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    assert path.stat().st_size >= 20 * 1024 * 1024
    store_dir = tmp_path / "store"
    result = CliRunner().invoke(
        main, ["--store", str(store_dir), "ingest", str(path)], env={"AGENT_MAX_FILE_MB": "5"}
    )
    assert result.exit_code == 2
    assert "limit" in result.output.lower() and "Traceback" not in result.output
    assert Store(load_settings({"store": store_dir})).counts() == (0, 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_chroma_server_mode(tmp_path: Path, corpus: Path) -> None:
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        settings = load_settings(
            {"store": tmp_path / "store", "chroma_url": f"http://127.0.0.1:{port}"}
        )
        store = Store(settings)
        ingest(store, [corpus])
        assert not (tmp_path / "store" / "chroma").exists()
        hits = search(store, "齐齐哈尔现代农业职业教育集团", k=3)
        assert hits[0].chunk.path.endswith("003_dabb0bdaedc4487d.txt")
        assert len(store.collection.get(include=[])["ids"]) == store.counts()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
