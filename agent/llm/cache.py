"""SQLite response cache and call log (``<cache_dir>/llm.sqlite``).

* ``responses``: cache key -> final validated JSON (structured calls) or text (streams).
  The key is the sha256 of canonical JSON of model, messages, response schema, request
  parameters and prompt name+version (:func:`cache_key`), so editing a prompt and bumping
  its version invalidates exactly its entries.
* ``calls``: one row per structured/text call, hit or miss, for ``agent usage``.

WAL mode plus a busy timeout make it safe for two processes at once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.core.files import private_dir, private_file
from agent.core.migrations import Migrations

cache_migrations = Migrations()


@cache_migrations
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS responses (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt TEXT,
            value TEXT NOT NULL,
            created REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            command TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_name TEXT,
            prompt_version TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            latency_s REAL NOT NULL DEFAULT 0,
            cost_usd REAL,
            cache_hit INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 1,
            ok INTEGER NOT NULL DEFAULT 1
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS calls_ts ON calls(ts)")

GROUP_COLUMNS = ("command", "model", "prompt_name", "prompt_version", "cache_hit", "ok", "day")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def cache_key(
    *,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    schema: Mapping[str, Any] | None,
    params: Mapping[str, Any],
    prompt_name: str | None,
    prompt_version: str | None,
) -> str:
    payload = {
        "model": model,
        "messages": [dict(m) for m in messages],
        "schema": schema,
        "params": dict(params),
        "prompt": [prompt_name, prompt_version],
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def cost_usd(
    prices: Mapping[str, tuple[float, float]],
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
) -> float | None:
    """Cost from ``settings.prices`` (USD per 1M prompt / completion tokens), None if unknown."""
    price = prices.get(model)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


@dataclass(frozen=True)
class CallRecord:
    command: str
    model: str
    prompt_name: str | None
    prompt_version: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None
    cache_hit: bool = False
    attempts: int = 1
    ok: bool = True


class LLMCache:
    """Thread-safe handle on the SQLite cache file (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        private_file(private_dir(self.path.parent) / self.path.name)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA busy_timeout = 30000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        cache_migrations.apply(self._conn)

    @classmethod
    def for_cache_dir(cls, cache_dir: Path) -> LLMCache:
        return cls(Path(cache_dir).expanduser() / "llm.sqlite")

    # ------------------------------------------------------------------ responses

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str, *, kind: str, model: str, prompt: str | None) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO responses(key, kind, model, prompt, value, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, kind, model, prompt, value, time.time()),
            )

    def delete(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM responses WHERE key = ?", (key,))

    def clear(self, *, prompt: str | None = None) -> int:
        """Drop cached responses (all, or those of ``prompt`` = "name@version")."""
        with self._lock:
            if prompt is None:
                cur = self._conn.execute("DELETE FROM responses")
            else:
                cur = self._conn.execute("DELETE FROM responses WHERE prompt = ?", (prompt,))
        return cur.rowcount

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    # ------------------------------------------------------------------ call log

    def record(self, call: CallRecord) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO calls(ts, command, model, prompt_name, prompt_version, "
                "prompt_tokens, completion_tokens, latency_s, cost_usd, cache_hit, attempts, ok) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    call.command,
                    call.model,
                    call.prompt_name,
                    call.prompt_version,
                    call.prompt_tokens,
                    call.completion_tokens,
                    call.latency_s,
                    call.cost_usd,
                    int(call.cache_hit),
                    call.attempts,
                    int(call.ok),
                ),
            )

    def usage_totals(
        self, group_by: Sequence[str] = ("command", "model"), *, since: float | None = None
    ) -> list[dict[str, Any]]:
        """Aggregated call log: one dict per group with calls, cache_hits, failures,
        prompt_tokens, completion_tokens, latency_s (sum), cost_usd (None if no price known).

        ``group_by`` columns: command, model, prompt_name, prompt_version, cache_hit, ok,
        day (YYYY-MM-DD, local time). ``since``: only calls with ``ts >= since``.
        """
        cols: list[str] = []
        for name in group_by:
            if name not in GROUP_COLUMNS:
                raise ValueError(f"cannot group usage by {name!r}; choose from {GROUP_COLUMNS}")
            cols.append("date(ts, 'unixepoch', 'localtime') AS day" if name == "day" else name)
        select = ", ".join([*cols, ""]) if cols else ""
        group = f"GROUP BY {', '.join(group_by)} ORDER BY {', '.join(group_by)}" if cols else ""
        where = "WHERE ts >= ?" if since is not None else ""
        sql = (
            f"SELECT {select}COUNT(*), SUM(cache_hit), SUM(1 - ok), SUM(prompt_tokens), "
            f"SUM(completion_tokens), SUM(latency_s), SUM(cost_usd) FROM calls {where} {group}"
        )
        with self._lock:
            rows = self._conn.execute(sql, (since,) if since is not None else ()).fetchall()
        out: list[dict[str, Any]] = []
        n = len(cols)
        for row in rows:
            if row[n] == 0:
                continue  # the ungrouped aggregate over an empty table
            item: dict[str, Any] = dict(zip(group_by, row[:n], strict=True))
            item.update(
                calls=int(row[n]),
                cache_hits=int(row[n + 1] or 0),
                failures=int(row[n + 2] or 0),
                prompt_tokens=int(row[n + 3] or 0),
                completion_tokens=int(row[n + 4] or 0),
                latency_s=round(float(row[n + 5] or 0.0), 3),
                cost_usd=None if row[n + 6] is None else round(float(row[n + 6]), 6),
            )
            out.append(item)
        return out

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> LLMCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
