"""Pydantic models of answers: what the model drafts (validated by instructor, quotes as
plain strings) and the verified answer with citations in original offsets."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CitationDraft(BaseModel):
    source: int = Field(description="引用的资料编号 [n]")
    quote: str = Field(description="从该资料逐字复制的支持片段")


class ClaimDraft(BaseModel):
    text: str = Field(description="回答中的一个事实陈述")
    citations: list[CitationDraft]


class AnswerDraft(BaseModel):
    answerable: bool = Field(description="资料是否包含答案")
    answer: str
    claims: list[ClaimDraft] = Field(default_factory=list)


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

    @property
    def shown(self) -> str:
        return self.text or " ".join(self.quote.split())


class Claim(BaseModel):
    text: str
    citations: list[Citation]


class Answer(BaseModel):
    question: str
    standalone_question: str | None = None
    answer: str
    answerable: bool
    claims: list[Claim] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    usage: dict[str, float] = Field(default_factory=dict)
