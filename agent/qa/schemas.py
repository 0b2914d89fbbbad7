"""Pydantic models of answers: what the model drafts (validated by instructor, quotes as
plain strings) and the verified answer with citations in original offsets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field


class CitationDraft(BaseModel):
    source: int = Field(description="引用的资料编号 [n]")
    quote: str = Field(description="从该资料逐字复制的支持片段")


class AnswerDraft(BaseModel):
    """What the model writes: no claim texts beside the answer. They repeated the answer
    and the quote and cost a quarter of the generated characters (generation is most of an
    answer's time on the embedded model)."""

    answerable: bool = Field(description="资料是否包含答案")
    answer: str
    citations: list[CitationDraft] = Field(default_factory=list)


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
