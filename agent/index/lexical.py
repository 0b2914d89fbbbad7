"""BM25 over jieba words of the simplified search form, persisted beside Chroma."""

from __future__ import annotations

import json
import logging
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def tokenize(search_text: str) -> list[str]:
    """Search-engine style segmentation (words plus their sub-words), lowercased."""
    words = _jieba().lcut_for_search(search_text.lower())
    return [w for w in (w.strip() for w in words) if w and _is_word(w)]


class LexicalIndex:
    """A bm25s index over an ordered list of chunk ids."""

    FILE_IDS = "chunk_ids.json"

    def __init__(self, chunk_ids: list[str], retriever: Any) -> None:
        self.chunk_ids = chunk_ids
        self._retriever = retriever

    @classmethod
    def build(cls, chunk_ids: list[str], token_lists: list[list[str]]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        if chunk_ids:
            # bm25s rejects an empty document; a sentinel token keeps positions aligned.
            corpus = [tokens or ["\x00"] for tokens in token_lists]
            retriever.index(corpus, show_progress=False)
        return cls(chunk_ids, retriever)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.chunk_ids:
            self._retriever.save(str(folder))
        (folder / self.FILE_IDS).write_text(json.dumps(self.chunk_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        ids_file = folder / cls.FILE_IDS
        if not ids_file.is_file():
            return None
        import bm25s

        chunk_ids = json.loads(ids_file.read_text(encoding="utf-8"))
        if not isinstance(chunk_ids, list) or not all(isinstance(i, str) for i in chunk_ids):
            raise ValueError(f"{cls.FILE_IDS} is not a list of chunk ids")
        if not chunk_ids:
            return cls(chunk_ids, bm25s.BM25())
        retriever = bm25s.BM25.load(str(folder), show_progress=False)
        _check_scores(retriever, len(chunk_ids))
        return cls(chunk_ids, retriever)

    def search(self, query_tokens: list[str], k: int) -> list[tuple[str, float]]:
        if not self.chunk_ids:
            return []
        vocab = self._retriever.vocab_dict
        ids = [vocab[t] for t in query_tokens if t in vocab]
        if not ids:
            return []
        scores = np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float64)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.chunk_ids[i], float(scores[i])) for i in top if scores[i] > 0]


def _check_scores(retriever: Any, n_chunks: int) -> None:
    """Raise ValueError when the loaded sparse matrix cannot be the index of ``n_chunks``
    chunks (a damaged, truncated or mismatched file that numpy still read)."""
    scores = retriever.scores
    data, indices, indptr = (np.asarray(scores[k]) for k in ("data", "indices", "indptr"))
    if scores.get("num_docs") != n_chunks:
        raise ValueError(f"{scores.get('num_docs')} documents indexed for {n_chunks} chunk ids")
    if indptr.ndim != 1 or len(indptr) < 2 or len(indptr) - 1 > len(retriever.vocab_dict):
        raise ValueError("the token pointer array does not match the vocabulary")
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != len(data):
        raise ValueError("the token pointer array is inconsistent")
    if len(indices) != len(data):
        raise ValueError("the document index array does not match the scores")
    if len(indices) and (indices.min() < 0 or indices.max() >= n_chunks):
        raise ValueError("the document index array points past the chunks")
