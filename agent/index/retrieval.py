"""Hybrid retrieval: dense (Chroma, USE) + lexical (BM25 over jieba words), fused.

Fusion is a weighted sum of per-query normalised scores (dense cosine similarity and
BM25 divided by the best BM25 score among candidates). Weights come from settings and
were picked with ``agent bench retrieval`` (see README), not by habit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agent.core.errors import StoreError
from agent.index.store import Store, StoredChunk
from agent.text.normalize import NormalizedText

Mode = Literal["hybrid", "dense", "lexical"]
CANDIDATES = 50


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    score: float
    dense: float | None
    lexical: float | None

    def as_json(self, rank: int) -> dict[str, object]:
        c = self.chunk
        return {
            "rank": rank,
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "path": c.path,
            "title": c.title,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "score": round(self.score, 6),
            "dense": None if self.dense is None else round(self.dense, 6),
            "lexical": None if self.lexical is None else round(self.lexical, 6),
        }


def dense_search(store: Store, query: str, k: int) -> list[tuple[str, float]]:
    from agent.index.embeddings import embed_texts

    docs, _ = store.counts()
    if docs == 0:
        return []
    vector = embed_texts([query])
    try:
        result = store.collection.query(query_embeddings=vector, n_results=k,
                                        include=["distances"])
    except Exception as exc:  # chromadb raises its own and SQLite/HNSW errors alike
        raise StoreError(f"vector search in Chroma at {store.chroma_where} failed: {exc} "
                         "(repair with `agent ingest --rebuild`)") from exc
    ids = result["ids"][0]
    distances = result["distances"][0]
    return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def lexical_search(store: Store, query: NormalizedText, k: int) -> list[tuple[str, float]]:
    return list(store.lexical().search(query.tokens, k))


def fuse(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    dense_weight: float,
    lexical_weight: float,
) -> list[tuple[str, float, float | None, float | None]]:
    dense_map = dict(dense)
    lex_map = dict(lexical)
    best_lex = max(lex_map.values(), default=0.0) or 1.0
    fused = []
    for chunk_id in dense_map.keys() | lex_map.keys():
        d = dense_map.get(chunk_id)
        lex = lex_map.get(chunk_id)
        score = dense_weight * max(d or 0.0, 0.0) + lexical_weight * ((lex or 0.0) / best_lex)
        fused.append((chunk_id, score, d, lex))
    fused.sort(key=lambda t: (-t[1], t[0]))
    return fused


def search(
    store: Store,
    query: str | NormalizedText,
    k: int = 5,
    mode: Mode = "hybrid",
    dense_weight: float | None = None,
    lexical_weight: float | None = None,
) -> list[Hit]:
    q = NormalizedText.of(query)
    if not q.simplified.strip():
        return []
    settings = store.settings
    wd = settings.dense_weight if dense_weight is None else dense_weight
    wl = settings.lexical_weight if lexical_weight is None else lexical_weight
    pool = max(k, CANDIDATES)
    dense = dense_search(store, q.simplified, pool) if mode in ("hybrid", "dense") else []
    lexical = lexical_search(store, q, pool) if mode in ("hybrid", "lexical") else []
    ranked: list[tuple[str, float, float | None, float | None]]
    if mode == "dense":
        ranked = [(i, s, s, None) for i, s in dense]
    elif mode == "lexical":
        ranked = [(i, s, None, s) for i, s in lexical]
    else:
        ranked = fuse(dense, lexical, wd, wl)
    # The catalog is the source of truth: ids it does not know (orphans) are skipped.
    rows = {c.chunk_id: c for c in store.chunks([r[0] for r in ranked[: k * 2 + 10]])}
    hits = [Hit(rows[i], s, d, lex) for i, s, d, lex in ranked if i in rows]
    return hits[:k]
