"""Schema of the store's SQLite catalog (``catalog.sqlite``), as numbered migrations."""

from __future__ import annotations

import sqlite3

from agent.core.migrations import Migrations

catalog_migrations = Migrations()


@catalog_migrations
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS documents (
            doc_id TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            title TEXT NOT NULL,
            published TEXT,
            script TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            encoding TEXT NOT NULL,
            chunk_params TEXT NOT NULL,
            mojibake TEXT NOT NULL,
            original TEXT NOT NULL,
            ingested_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS chunks (
            chunk_id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            clean_start INTEGER NOT NULL,
            clean_end INTEGER NOT NULL,
            text TEXT NOT NULL,
            search_text TEXT NOT NULL,
            tokens INTEGER NOT NULL,
            words TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, idx)")


@catalog_migrations
def m002_document_source(db: sqlite3.Connection) -> None:
    """What the source states about itself (format, page starts, a web page's title, date
    and address) as JSON; ``{}`` for the plain-text documents stored before."""
    db.execute("ALTER TABLE documents ADD COLUMN source TEXT NOT NULL DEFAULT '{}'")
