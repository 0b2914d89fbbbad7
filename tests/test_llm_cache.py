from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.llm.cache import CallRecord, LLMCache, cache_key, canonical_json, cost_usd


def _key(**over: Any) -> str:
    base: dict[str, Any] = {
        "model": "m",
        "messages": [{"role": "system", "content": "指令"}, {"role": "user", "content": "文档"}],
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
        "params": {"temperature": 0.0, "max_tokens": 100},
        "prompt_name": "summarize",
        "prompt_version": "1",
    }
    base.update(over)
    return cache_key(**base)


def test_key_ignores_dict_key_order() -> None:
    a = _key()
    b = _key(
        messages=[{"content": "指令", "role": "system"}, {"content": "文档", "role": "user"}],
        schema={"properties": {"a": {"type": "string"}}, "type": "object"},
        params={"max_tokens": 100, "temperature": 0.0},
    )
    assert a == b
    assert len(a) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"prompt_version": "2"},
        {"prompt_name": "ask"},
        {"model": "other"},
        {"params": {"temperature": 0.0, "max_tokens": 101}},
        {"schema": {"type": "object"}},
        {"messages": [{"role": "user", "content": "文档"}]},
    ],
)
def test_key_changes(change: dict[str, Any]) -> None:
    assert _key(**change) != _key()


def test_canonical_json_is_compact_and_utf8() -> None:
    assert canonical_json({"b": 1, "a": "职教"}) == '{"a":"职教","b":1}'


def test_put_get_delete_clear(tmp_path: Path) -> None:
    with LLMCache.for_cache_dir(tmp_path) as cache:
        assert (tmp_path / "llm.sqlite").is_file()
        assert cache.get("k") is None
        cache.put("k", '{"a":1}', kind="json", model="m", prompt="p@1")
        cache.put("k2", "text", kind="text", model="m", prompt="q@1")
        assert cache.get("k") == '{"a":1}'
        cache.delete("k")
        assert cache.get("k") is None
        assert cache.clear(prompt="q@1") == 1
        assert cache.count() == 0
        journal = cache._conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert journal == "wal"


def test_two_handles_share_the_file(tmp_path: Path) -> None:
    a = LLMCache.for_cache_dir(tmp_path)
    b = LLMCache.for_cache_dir(tmp_path)
    a.put("k", "v", kind="text", model="m", prompt=None)
    assert b.get("k") == "v"
    b.record(CallRecord(command="ask", model="m", prompt_name=None, prompt_version=None))
    assert a.usage_totals()[0]["calls"] == 1
    a.close()
    b.close()


def test_usage_totals(tmp_path: Path) -> None:
    prices = {"gpt": (1.0, 2.0)}
    with LLMCache.for_cache_dir(tmp_path) as cache:
        assert cache.usage_totals() == []
        for cmd, model, pt, ct, hit in [
            ("summarize", "gpt", 1000, 500, False),
            ("summarize", "gpt", 0, 0, True),
            ("ask", "local", 10, 5, False),
        ]:
            cache.record(
                CallRecord(
                    command=cmd,
                    model=model,
                    prompt_name=cmd,
                    prompt_version="1",
                    prompt_tokens=pt,
                    completion_tokens=ct,
                    latency_s=0.5,
                    cost_usd=None if hit else cost_usd(prices, model, pt, ct),
                    cache_hit=hit,
                )
            )
        rows = cache.usage_totals()
        assert [(r["command"], r["model"]) for r in rows] == [
            ("ask", "local"),
            ("summarize", "gpt"),
        ]
        summ = rows[1]
        assert summ["calls"] == 2 and summ["cache_hits"] == 1
        assert summ["prompt_tokens"] == 1000 and summ["completion_tokens"] == 500
        assert summ["cost_usd"] == pytest.approx(0.002)
        assert rows[0]["cost_usd"] is None
        total = cache.usage_totals(group_by=())
        assert total[0]["calls"] == 3
        by_day = cache.usage_totals(group_by=("day",))
        assert len(by_day) == 1 and by_day[0]["calls"] == 3
        with pytest.raises(ValueError):
            cache.usage_totals(group_by=("command; DROP TABLE calls",))


def test_cost_usd() -> None:
    assert cost_usd({}, "m", 10, 10) is None
    assert cost_usd({"m": (0.15, 0.6)}, "m", 1_000_000, 1_000_000) == pytest.approx(0.75)
