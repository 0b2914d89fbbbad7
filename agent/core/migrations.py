"""Numbered schema migrations for the project's SQLite databases (after simonw/llm).

Each database keeps an ordered list of migration functions; ``_migrations`` records the
ones that ran. Opening a database applies the missing ones in order, each in its own
``BEGIN IMMEDIATE`` transaction (so two processes opening a new file at once take turns and
the second finds the work done). A migration must never be edited once released: add a
new one. The first migration of each database uses ``IF NOT EXISTS`` so that files made
before migrations existed (same tables, no ``_migrations``) are adopted as they are.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


class Migrations:
    """An ordered list of migrations; register with ``@migrations`` (name = function name)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Migration]] = []

    def __call__(self, fn: Migration) -> Migration:
        if any(name == fn.__name__ for name, _ in self.steps):
            raise ValueError(f"duplicate migration {fn.__name__}")
        self.steps.append((fn.__name__, fn))
        return fn

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.steps]

    def apply(self, db: sqlite3.Connection) -> list[str]:
        """Run the migrations ``db`` has not had yet; returns their names."""
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)"
        )
        db.commit()
        applied: list[str] = []
        for name, fn in self.steps:
            if _done(db, name):
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                if not _done(db, name):  # another process may have run it meanwhile
                    fn(db)
                    db.execute(
                        "INSERT INTO _migrations(name, applied) VALUES (?, ?)", (name, time.time())
                    )
                    applied.append(name)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return applied


def _done(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone() is not None


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    """Names recorded in ``_migrations`` (empty for a file made before migrations)."""
    try:
        return [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]
    except sqlite3.OperationalError:
        return []
