"""Pydantic models of answers: what the model drafts (validated by instructor, sentences
cited by number) and the verified answer with citations in original offsets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field


class AnswerDraft(BaseModel):
    """What the model writes: the answer and the numbers of the sentences that state it.

    The sentences are cited by number, not copied: generation is most of an answer's time
    on the embedded model, and a copied quote (10–40 characters, then verified and often
    re-asked) was about half of what it generated. Code turns the numbers into exact
    spans of the original files."""

    answerable: bool = Field(description="资料是否包含答案")
    answer: str
    cite: list[int] = Field(default_factory=list, description="写明答案的句子编号 [n]")


class Citation(BaseModel):
    """A verified quote: ``quote == original[start:end]`` of the file at ``path``;
    ``text`` is the same span as shown to a reader (cleaned: no pinyin glue, no byline
    lines, whitespace collapsed)."""

    doc_id: str
    path: str
    chunk_id: str
    quote: str
    start: int
    end: int
    title: str = ""
    text: str = ""
    page: int | None = Field(default=None, description="1-based page of a paged source (PDF)")

    @property
    def shown(self) -> str:
        return self.text or " ".join(self.quote.split())

    def as_json(self, *, title: bool = False) -> dict[str, Any]:
        """The documented citation shape of ``ask --json`` (chat adds the title)."""
        out: dict[str, Any] = {"doc_id": self.doc_id, "path": self.path,
                               "chunk_id": self.chunk_id}
        if title:
            out["title"] = self.title
        return out | {"quote": self.quote, "text": self.shown, "start": self.start,
                      "end": self.end, "page": self.page}

    @property
    def where(self) -> str:
        """The file's name, and its page when the source has pages: ``通知.pdf 第3页``."""
        from agent.ingest.sources import display_name

        name = display_name(self.path)
        return f"{name} 第{self.page}页" if self.page else name


class Answer(BaseModel):
    question: str
    standalone_question: str | None = None
    answer: str
    answerable: bool
    citations: list[Citation] = Field(default_factory=list)
    usage: dict[str, float] = Field(default_factory=dict)


def distinct(citations: Sequence[Citation]) -> list[Citation]:
    """``citations`` without repeats of a span (same document, same offsets), in order."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Citation] = []
    for c in citations:
        if (c.doc_id, c.start, c.end) not in seen:
            seen.add((c.doc_id, c.start, c.end))
            out.append(c)
    return out
