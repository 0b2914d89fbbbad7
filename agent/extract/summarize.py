"""Structured summaries of stored documents: extraction per document, then a merge."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.core import interrupt
from agent.core.errors import InputError, ModelError
from agent.extract.schemas import DocumentExtraction, MergedItems
from agent.index.store import Store, StoredDocument
from agent.llm.base import ChatModel


@dataclass
class SummaryRun:
    documents: list[DocumentExtraction]
    merged: MergedItems
    usage: dict[str, Any]
    seconds_per_document: dict[str, float] = field(default_factory=dict)
    corpus_tokens: int = 0
    window_tokens: int = 0
    windows: int = 0
    wall_s: float = 0.0

    @property
    def failed(self) -> list[DocumentExtraction]:
        return [d for d in self.documents if d.error]

    def as_json(self) -> dict[str, Any]:
        return {
            "documents": [d.model_dump(mode="json") for d in self.documents],
            "merged": self.merged.model_dump(mode="json"),
            "usage": self.usage,
        }


def select_documents(store: Store, paths: Iterable[Path] | None) -> list[StoredDocument]:
    """Stored documents under the given files/folders (all when none are given)."""
    docs = store.documents()
    wanted = [p.resolve() for p in paths or []]
    if not wanted:
        return docs
    chosen = [
        d for d in docs if any(Path(d.path) == w or w in Path(d.path).parents for w in wanted)
    ]
    if not chosen:
        raise InputError("none of the given paths is in the store (run `agent ingest` first)")
    return chosen


def summarize(
    store: Store,
    llm: ChatModel,
    documents: list[StoredDocument],
    *,
    on_document: Callable[[DocumentExtraction], None] | None = None,
) -> SummaryRun:
    from agent.core.tokens import count_tokens
    from agent.extract.extraction import ExtractionStats, document_result, extract_document
    from agent.extract.merge import merge_items

    settings = store.settings
    started = time.monotonic()
    stats = ExtractionStats()
    timings: dict[str, float] = {}

    workers = getattr(llm, "concurrency", 1)
    # Against an endpoint, the windows of every document share one pool of ``concurrency``
    # workers: a few long documents keep it as full as many short ones.
    windows_pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None

    tokens: dict[str, int] = {}

    def run_one(entry: tuple[StoredDocument, str]) -> DocumentExtraction:
        t0 = time.monotonic()
        doc = entry[0].rebuild(entry[1])
        tokens[doc.doc_id] = count_tokens(doc.text)
        try:
            result = extract_document(llm, doc, settings, stats, windows_pool)
        except ModelError as exc:
            result = document_result(doc, error=str(exc))
        timings[doc.doc_id] = time.monotonic() - t0
        if on_document:
            on_document(result)
        return result

    # Originals are read here, on the thread of the store's SQLite handle; documents are
    # cleaned in the workers, so the first calls start before every document is ready.
    loaded = [(d, store.original(d.doc_id)) for d in documents]
    try:
        if workers > 1 and len(loaded) > 1:
            # More documents in progress than calls in flight: a document spends most of
            # its time waiting on calls (the client's semaphore bounds what is in flight).
            pool = ThreadPoolExecutor(max_workers=min(len(loaded), 4 * workers))
            # Longest documents first: their chains of windows would otherwise run alone
            # at the end while the pool idles (longest-processing-time-first scheduling).
            order = sorted(range(len(loaded)), key=lambda i: -len(loaded[i][1]))
            try:
                done = dict(zip(order, pool.map(run_one, [loaded[i] for i in order]),
                                strict=True))
                results = [done[i] for i in range(len(loaded))]
            except BaseException:
                interrupt.request()  # running workers stop at their next window
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
        else:
            results = [run_one(doc) for doc in loaded]
    finally:
        if windows_pool is not None:
            windows_pool.shutdown(wait=False, cancel_futures=True)
    if results and all(r.error for r in results):
        raise ModelError(results[0].error or "extraction failed")
    merged = merge_items([r for r in results if not r.error])
    return SummaryRun(
        documents=results,
        merged=merged,
        usage=llm.usage(),
        seconds_per_document=timings,
        corpus_tokens=sum(tokens.values()),
        window_tokens=stats.input_tokens,
        windows=stats.windows,
        wall_s=time.monotonic() - started,
    )
