"""Numbered schema migrations: new files, files made before migrations, later upgrades."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from agent.core.config import load_settings
from agent.core.migrations import Migrations, applied_migrations
from agent.index.migrations import catalog_migrations
from agent.index.store import Store
from agent.llm.cache import LLMCache, cache_migrations
from agent.qa.chat import ChatDB, chat_migrations

# The schemas exactly as v0.1.0 (before migrations) created them: such files exist on
# users' machines and must open unchanged.
V010_CATALOG = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL, published TEXT,
    script TEXT NOT NULL, content_hash TEXT NOT NULL, encoding TEXT NOT NULL,
    chunk_params TEXT NOT NULL, mojibake TEXT NOT NULL, original TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    clean_start INTEGER NOT NULL, clean_end INTEGER NOT NULL, text TEXT NOT NULL,
    search_text TEXT NOT NULL, tokens INTEGER NOT NULL, words TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, idx);
"""
V010_CACHE = """
CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, kind TEXT NOT NULL,
    model TEXT NOT NULL, prompt TEXT, value TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL,
    command TEXT NOT NULL, model TEXT NOT NULL, prompt_name TEXT, prompt_version TEXT,
    prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    latency_s REAL NOT NULL DEFAULT 0, cost_usd REAL, cache_hit INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 1, ok INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS calls_ts ON calls(ts);
"""
V010_CHAT = """
CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL, store TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created REAL NOT NULL, question TEXT NOT NULL, standalone TEXT NOT NULL,
    answer TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS turns_by_session ON turns(session_id, id);
"""


def _old_file(path: Path, schema: str, *rows: tuple[str, tuple[object, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(schema)
    for sql, params in rows:
        db.execute(sql, params)
    db.commit()
    db.close()


def test_old_catalog_opens_and_reads_after_upgrade(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    original = "第一行。\n职业教育活动周在长沙举行。"
    _old_file(
        store_dir / "catalog.sqlite", V010_CATALOG,
        ("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
         ("d1", "/x/a.txt", "标题", "2023-07-15", "simplified", "h", "utf-8", "{}",
          json.dumps([]), original, 1.0)),
        ("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
         ("d1:0", "d1", 0, 0, len(original), 0, len(original), original, original, 9, "[]")),
    )
    store = Store(load_settings({"store": store_dir}))
    try:
        assert [d.doc_id for d in store.documents()] == ["d1"]
        assert store.original("d1") == original
        assert store.counts() == (1, 1)
        assert applied_migrations(store.db) == catalog_migrations.names
    finally:
        store.close()


def test_old_cache_and_chat_keep_their_rows(tmp_path: Path) -> None:
    _old_file(tmp_path / "llm.sqlite", V010_CACHE,
              ("INSERT INTO responses VALUES (?,?,?,?,?,?)", ("k", "structured", "m", None,
                                                             '{"a": 1}', 1.0)))
    with LLMCache(tmp_path / "llm.sqlite") as cache:
        assert cache.get("k") == '{"a": 1}'
        assert applied_migrations(cache._conn) == cache_migrations.names
    _old_file(tmp_path / "chat.sqlite", V010_CHAT,
              ("INSERT INTO sessions(started, store) VALUES (?, ?)", (1.0, "/s")))
    chat = ChatDB(tmp_path / "chat.sqlite")
    try:
        assert chat.last_session("/s") == 1
        assert applied_migrations(chat.db) == chat_migrations.names
    finally:
        chat.close()


def test_new_file_records_every_migration_once(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "x.sqlite")
    assert catalog_migrations.apply(db) == catalog_migrations.names
    assert catalog_migrations.apply(db) == []
    assert applied_migrations(db) == catalog_migrations.names


def test_a_later_migration_upgrades_an_existing_file(tmp_path: Path) -> None:
    steps = Migrations()

    @steps
    def m001_initial(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS t (a TEXT)")

    path = tmp_path / "x.sqlite"
    db = sqlite3.connect(path)
    steps.apply(db)
    db.execute("INSERT INTO t VALUES ('kept')")
    db.commit()

    @steps
    def m002_add_b(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 7")

    assert steps.apply(db) == ["m002_add_b"]
    assert db.execute("SELECT a, b FROM t").fetchall() == [("kept", 7)]


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    steps = Migrations()

    @steps
    def m001_initial(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE t (a TEXT)")
        db.execute("INSERT INTO t VALUES ('x')")
        raise RuntimeError("half-way")

    db = sqlite3.connect(tmp_path / "x.sqlite")
    with pytest.raises(RuntimeError):
        steps.apply(db)
    assert applied_migrations(db) == []
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None


def test_duplicate_names_are_rejected() -> None:
    steps = Migrations()

    def m001(db: sqlite3.Connection) -> None:
        pass

    steps(m001)
    with pytest.raises(ValueError):
        steps(m001)
