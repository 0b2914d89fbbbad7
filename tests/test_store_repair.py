"""A damaged store: Chroma lost or damaged, a damaged catalog page, a damaged BM25 index,
and who may read the store and cache files. Every CLI run ends with its exit code, at most
one ``error:`` line and no traceback; afterwards the catalog, Chroma and BM25 agree again."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient
from click.testing import CliRunner, Result

from agent.cli.app import main
from agent.core.config import load_settings
from agent.index.lexical import LexicalIndex
from agent.index.retrieval import search
from agent.index.store import Store
from agent.ingest.pipeline import ingest

QUERY = "中原经济区技工教育联盟成立大会"
EXPECTED = "002_af21a9a31e226004.txt"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, int]]:
    """A store of the seed documents (no LLM) and the corpus it was made from."""
    base = tmp_path_factory.mktemp("repair")
    corpus = base / "corpus"
    corpus.mkdir()
    for seed in sorted((Path(__file__).parent.parent / "seeds").glob("*.txt")):
        shutil.copy(seed, corpus / seed.name)
    store = Store(load_settings({"store": base / "store"}))
    ingest(store, [corpus])
    chunks = store.counts()[1]
    store.close()
    yield base / "store", corpus, chunks


@pytest.fixture
def copy(template: tuple[Path, Path, int], tmp_path: Path) -> tuple[Path, Path, int]:
    store_dir, corpus, chunks = template
    shutil.copytree(store_dir, tmp_path / "store")
    return tmp_path / "store", corpus, chunks


def _cli(store_dir: Path, *args: str) -> Result:
    # Each command as in a process of its own: chromadb keeps one client system per path.
    SharedSystemClient.clear_system_cache()
    return CliRunner().invoke(main, ["--store", str(store_dir), *args])


def _lines(result: Result, prefix: str) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith(prefix)]


def _error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = _lines(result, "error:")
    assert len(errors) == 1, result.stderr
    return errors[0]


def _repaired(result: Result, notice: str) -> None:
    """Exit 0, no error line, exactly one notice line about the repair."""
    assert result.exit_code == 0, result.output
    assert not _lines(result, "error:") and "Traceback" not in result.output
    warnings = _lines(result, "warning:")
    assert len(warnings) == 1 and notice in warnings[0], result.stderr


def _consistent(store_dir: Path, chunks: int) -> None:
    """Catalog, Chroma and BM25 list the same chunks, and both searches find the document."""
    SharedSystemClient.clear_system_cache()
    store = Store(load_settings({"store": store_dir}))
    try:
        assert store.counts() == (5, chunks)
        catalog = {c.chunk_id for c in store.chunks()}
        assert set(store.collection.get(include=[])["ids"]) == catalog
        assert set(store.lexical().chunk_ids) == catalog
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for mode in ("dense", "lexical"):
            hits = search(store, QUERY, k=3, mode=mode)  # type: ignore[arg-type]
            assert hits and hits[0].chunk.path.endswith(EXPECTED), mode
    finally:
        store.close()


def _damage_table(catalog: Path, table: str) -> None:
    """Overwrite the root page of ``table``: queries on it fail with "malformed"."""
    with sqlite3.connect(catalog) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
    db.close()
    with catalog.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xa5" * page_size)


# ---------------------------------------------------------------------- 1. Chroma


def test_deleted_chroma_is_restored_on_search(copy: tuple[Path, Path, int]) -> None:
    store_dir, _corpus, chunks = copy
    shutil.rmtree(store_dir / "chroma")
    result = _cli(store_dir, "search", QUERY, "--mode", "dense", "--json")
    _repaired(result, f"re-embedding {chunks} chunks from the catalog")
    hits = json.loads(result.stdout)["hits"]
    assert hits and hits[0]["path"].endswith(EXPECTED)
    _consistent(store_dir, chunks)


def test_emptied_chroma_is_restored_by_an_unchanged_ingest(copy: tuple[Path, Path, int]) -> None:
    store_dir, corpus, chunks = copy
    (store_dir / "chroma" / "chroma.sqlite3").write_bytes(b"")
    result = _cli(store_dir, "ingest", str(corpus), "--json")
    _repaired(result, f"lacks {chunks} of {chunks} chunk vectors")
    files = json.loads(result.stdout)["files"]
    assert [f["status"] for f in files] == ["unchanged"] * 5
    _consistent(store_dir, chunks)


def test_damaged_chroma_file_is_moved_aside_and_rebuilt(copy: tuple[Path, Path, int]) -> None:
    store_dir, _corpus, chunks = copy
    chroma_db = store_dir / "chroma" / "chroma.sqlite3"
    with chroma_db.open("r+b") as fh:
        fh.truncate(chroma_db.stat().st_size // 2)
    result = _cli(store_dir, "search", QUERY, "--json")
    _repaired(result, "was damaged (moved to")
    assert (store_dir / "chroma.damaged" / "chroma.sqlite3").is_file()
    _consistent(store_dir, chunks)


# ---------------------------------------------------------------------- 2. catalog


def test_damaged_catalog_is_store_error_then_rebuilt_from_paths(
    copy: tuple[Path, Path, int],
) -> None:
    store_dir, corpus, chunks = copy
    catalog = store_dir / "catalog.sqlite"
    _damage_table(catalog, "documents")
    for args in (["docs"], ["search", QUERY], ["ingest", str(corpus)]):
        line = _error(_cli(store_dir, *args), 3)
        assert str(catalog) in line and "malformed" in line and "--rebuild" in line, args
    # the damaged catalog cannot list its files: the folders must be given
    line = _error(_cli(store_dir, "ingest", "--rebuild"), 3)
    assert "cannot be read" in line and "PATH" in line
    result = _cli(store_dir, "ingest", "--rebuild", str(corpus), "--json")
    assert result.exit_code == 0 and not _lines(result, "error:"), result.output
    assert "Traceback" not in result.output
    assert [f["status"] for f in json.loads(result.stdout)["files"]] == ["added"] * 5
    _consistent(store_dir, chunks)
    kept = [p for p in store_dir.parent.iterdir() if p.name.startswith("store.damaged-")]
    assert len(kept) == 1 and (kept[0] / "catalog.sqlite").is_file()
    assert not [p for p in store_dir.parent.iterdir() if ".rebuild-" in p.name]


def test_rebuild_uses_the_files_a_readable_catalog_lists(copy: tuple[Path, Path, int]) -> None:
    store_dir, _corpus, chunks = copy
    _damage_table(store_dir / "catalog.sqlite", "chunks")
    assert _error(_cli(store_dir, "search", QUERY), 3).startswith("error: the catalog")
    result = _cli(store_dir, "ingest", "--rebuild")
    assert result.exit_code == 0 and not _lines(result, "error:"), result.output
    assert "rebuilding the store from 5 source paths" in result.stderr
    _consistent(store_dir, chunks)


def test_rebuild_of_a_sound_store_changes_nothing(copy: tuple[Path, Path, int]) -> None:
    store_dir, _corpus, chunks = copy
    result = _cli(store_dir, "ingest", "--rebuild")
    assert result.exit_code == 0 and not _lines(result, "error:"), result.output
    assert "nothing to rebuild" in result.stderr
    assert sorted(p.name for p in store_dir.parent.iterdir()) == ["store"]
    _consistent(store_dir, chunks)


# ---------------------------------------------------------------------- 3. BM25


def _bad_vocab(folder: Path) -> None:
    (folder / "vocab.index.json").write_text('{"职业": 3, ', encoding="utf-8")


def _bad_npy(folder: Path) -> None:
    (folder / "data.csc.index.npy").write_bytes(os.urandom(4096))


def _truncated_npy(folder: Path) -> None:
    path = folder / "indices.csc.index.npy"
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 3)


def _bad_ids(folder: Path) -> None:
    (folder / LexicalIndex.FILE_IDS).write_text('["a", ', encoding="utf-8")


def _other_ids(folder: Path) -> None:
    path = folder / LexicalIndex.FILE_IDS
    ids = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(["not-a-chunk", *ids[1:]]), encoding="utf-8")


@pytest.mark.parametrize("damage", [_bad_vocab, _bad_npy, _truncated_npy, _bad_ids, _other_ids])
def test_damaged_bm25_is_rebuilt_on_search(copy: tuple[Path, Path, int], damage: object) -> None:
    store_dir, _corpus, chunks = copy
    damage(store_dir / "bm25")  # type: ignore[operator]
    result = _cli(store_dir, "search", QUERY, "--mode", "lexical", "--json")
    _repaired(result, "BM25 index at")
    assert json.loads(result.stdout)["hits"][0]["path"].endswith(EXPECTED)
    again = _cli(store_dir, "search", QUERY, "--mode", "lexical")
    assert again.exit_code == 0 and not again.stderr, again.output
    _consistent(store_dir, chunks)


def test_damaged_bm25_is_rebuilt_by_an_unchanged_ingest(copy: tuple[Path, Path, int]) -> None:
    store_dir, corpus, chunks = copy
    _truncated_npy(store_dir / "bm25")
    result = _cli(store_dir, "ingest", str(corpus))
    _repaired(result, "rebuilt from the catalog")
    _consistent(store_dir, chunks)


# ---------------------------------------------------------------------- 5. permissions


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_and_cache_files_are_private(tmp_path: Path, template: tuple[Path, Path, int],
                                           ) -> None:
    from agent.llm.cache import LLMCache
    from agent.qa.chat import ChatDB

    _store_dir, corpus, _chunks = template
    old_umask = os.umask(0o022)
    try:
        store_dir, cache_dir = tmp_path / "new" / "store", tmp_path / "cache"
        result = _cli(store_dir, "ingest", str(corpus / EXPECTED))
        assert result.exit_code == 0, result.output
        cache = LLMCache.for_cache_dir(cache_dir)
        chat = ChatDB(cache_dir / "chat.sqlite")
        assert _mode(store_dir) == 0o700 and _mode(cache_dir) == 0o700
        files = [store_dir / "catalog.sqlite", store_dir / "write.lock",
                 cache_dir / "llm.sqlite", cache_dir / "chat.sqlite"]
        files += [p for p in (*store_dir.glob("*-wal"), *cache_dir.glob("*-wal"),
                              *cache_dir.glob("*-shm"))]
        assert len(files) > 4
        assert {str(p): _mode(p) for p in files} == {str(p): 0o600 for p in files}
        cache.close()
        chat.close()
        # a folder the user made keeps the permissions the user gave it
        chosen = tmp_path / "chosen"
        chosen.mkdir(mode=0o755)
        store = Store(load_settings({"store": chosen}))
        assert store.collection.count() == 0
        store.close()
        assert _mode(chosen) == 0o755
        assert _mode(chosen / "catalog.sqlite") == 0o600 and _mode(chosen / "chroma") == 0o700
    finally:
        os.umask(old_umask)


def test_failing_vector_search_is_one_store_error(
    copy: tuple[Path, Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma failing inside a query (a damaged HNSW segment reads as an internal error)."""
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    store_dir, _corpus, _chunks = copy

    def broken(self: Collection, *args: object, **kwargs: object) -> None:
        raise InternalError("Error executing plan: Error loading hnsw index")

    monkeypatch.setattr(Collection, "query", broken)
    message = _error(_cli(store_dir, "search", "职业教育"), 3)
    assert "vector search in Chroma at" in message and "agent ingest --rebuild" in message
