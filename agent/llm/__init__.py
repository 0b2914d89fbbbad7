"""LLM access: embedded llama.cpp model or any OpenAI-compatible endpoint.

``from agent.llm import LLM`` is the entry point; the submodules are
``weights`` (assemble/verify the GGUF), ``embedded`` (child-process server),
``cache`` (SQLite response cache + call log) and ``client`` (the ``LLM`` class).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.llm.cache import LLMCache
    from agent.llm.client import LLM

__all__ = ["LLM", "LLMCache"]


def __getattr__(name: str) -> Any:
    # Lazy: importing agent.llm must not pull in openai/instructor (CLI start-up time).
    if name == "LLM":
        from agent.llm.client import LLM

        return LLM
    if name == "LLMCache":
        from agent.llm.cache import LLMCache

        return LLMCache
    raise AttributeError(name)
