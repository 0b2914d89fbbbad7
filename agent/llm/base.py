"""What the pipeline needs from a model: the interface every stage types its ``llm`` with.

:class:`agent.llm.client.LLM` (embedded server or any OpenAI-compatible endpoint) is the
implementation; tests and other back-ends only need these methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from agent.core.prompts import Prompt

T = TypeVar("T", bound=BaseModel)


class ChatModel(Protocol):
    model: str

    def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, Any]],
        *,
        prompt: Prompt,
        max_tokens: int,
        validation_context: dict[str, Any] | None = None,
    ) -> T:
        """A validated ``response_model`` (instructor re-asks on validation errors)."""
        ...

    def text(
        self, messages: list[dict[str, Any]], *, prompt: Prompt | None = None,
        max_tokens: int = 512,
    ) -> str:
        """Plain text completion."""
        ...

    def usage(self) -> dict[str, Any]:
        """Calls, cache hits, tokens, latency and cost so far."""
        ...

    def close(self) -> None:
        ...
