"""Against an endpoint the windows of a document are asked side by side, never more than
``concurrency`` at once (issue 16, item 3); results keep document order."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import respx

from agent.core.config import Settings
from agent.extract import extraction as X
from agent.ingest.cleaning import document_from_text
from agent.llm.client import LLM

BASE = "http://llm.test/v1"
CITIES = ["江城", "河城", "山城", "湖城", "海城", "林城", "石城", "云城", "星城", "月城"]
TEXT = "".join(f"{c}市成立了{c}技工教育联盟，由{c}技师学院牵头。" for c in CITIES)


def test_windows_run_side_by_side_within_the_bound(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, base_url=BASE, api_key="k", model="m",
                        concurrency=3, max_retries=0, http_retries=0, timeout_s=5.0,
                        chunk_tokens=24, chunk_overlap_tokens=0)
    lock = threading.Lock()
    in_flight = peak = 0

    def reply(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.15)
        with lock:
            in_flight -= 1
        user = json.loads(request.content)["messages"][-1]["content"]
        if "alliances" in json.dumps(json.loads(request.content), ensure_ascii=False):
            city = next(c for c in CITIES if f"{c}技工教育联盟" in user)
            content = json.dumps({"alliances": [{"name": f"{city}技工教育联盟"}]},
                                 ensure_ascii=False)
        else:
            content = '{"events": []}'
        return httpx.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    doc = document_from_text(TEXT, path="cities.txt", doc_id="d")
    stats = X.ExtractionStats()
    with respx.mock, LLM(settings, "test") as llm, ThreadPoolExecutor(8) as pool:
        respx.post(f"{BASE}/chat/completions").mock(side_effect=reply)
        result = X.extract_document(llm, doc, settings, stats, pool)
        calls = llm.usage()["calls"]
    assert stats.windows >= 6 and calls == stats.windows
    assert peak == 3  # side by side; the pool has 8 workers, the client lets 3 through
    names: list[Any] = [a.name for a in result.alliances]
    assert names == sorted(names, key=lambda n: TEXT.index(n))  # document order
    assert len(set(names)) == len(CITIES)


def test_a_batch_starts_longest_first_and_keeps_document_order(tmp_path: Path) -> None:
    from agent.extract.summarize import summarize
    from agent.index.store import StoredDocument

    # concurrency 2: 8 documents in progress at once, so the two shortest of ten wait.
    settings = Settings(cache_dir=tmp_path, base_url=BASE, api_key="k", model="m",
                        concurrency=2, max_retries=0, http_retries=0, timeout_s=5.0)
    texts = {f"d{n}": "".join(f"{c}市成立了{c}技工教育联盟。" for c in CITIES[:n])
             for n in range(1, len(CITIES) + 1)}
    asked: list[int] = []  # which document each call came from (its number of cities)

    def reply(request: httpx.Request) -> httpx.Response:
        user = json.loads(request.content)["messages"][-1]["content"]
        asked.append(sum(f"{c}技工教育联盟" in user for c in CITIES))
        time.sleep(0.05)
        return httpx.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": '{"alliances": []}'}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    class Originals:  # the part of the store summarize reads
        def __init__(self) -> None:
            self.settings = settings

        def original(self, doc_id: str) -> str:
            return texts[doc_id]

    documents = [StoredDocument(doc_id=d, path=f"{d}.txt", title=d, published=None,
                                script="simplified", content_hash=d, encoding="utf-8",
                                chunk_params="", mojibake=[], n_chunks=1, ingested_at=0.0)
                 for d in texts]
    with respx.mock, LLM(settings, "test") as llm:
        respx.post(f"{BASE}/chat/completions").mock(side_effect=reply)
        run = summarize(Originals(), llm, documents)  # type: ignore[arg-type]
    assert [r.doc_id for r in run.documents] == list(texts)  # results in document order
    assert len(asked) >= len(CITIES)
    assert min(asked[:2]) > 2  # the two shortest documents had not started
