"""Core document and chunk types shared by every stage.

A ``Document`` keeps the decoded original text untouched. The cleaned ``text`` is
built from it by *deletion only* (pinyin glue, boilerplate, link lists), so every
cleaned character is a character of the original and ``offsets[i]`` is its index
in ``original``. Citations are always expressed in original coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from agent.ingest.sources import SourceInfo
from agent.text.normalize import Script


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` in original coordinates."""

    start: int
    end: int
    reason: str = ""


@dataclass
class Document:
    doc_id: str
    path: str
    original: str
    text: str
    offsets: list[int]
    search_text: str
    title: str = ""
    published: str | None = None
    script: Script = "unknown"
    content_hash: str = ""
    encoding: str = "utf-8"
    mojibake: list[Span] = field(default_factory=list)
    removed: list[Span] = field(default_factory=list)
    source: SourceInfo = field(default_factory=SourceInfo)

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text):
            raise ValueError("offset map length must equal cleaned text length")
        if len(self.search_text) != len(self.text):
            raise ValueError("search form must have the cleaned text's length")

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned-text range ``[start, end)`` to original coordinates."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad cleaned range {start}:{end} for length {len(self.text)}")
        return self.offsets[start], self.offsets[end - 1] + 1

    def cleaned_index(self, original_index: int) -> int:
        """First cleaned position whose original index is >= ``original_index``."""
        from bisect import bisect_left

        return bisect_left(self.offsets, original_index)

    def cleaned_text(self, start: int, end: int) -> str:
        """The cleaned text of an original range (pinyin glue, bylines and boilerplate
        inside it removed): what a reader is shown for a quote of ``original[start:end]``."""
        return self.text[self.cleaned_index(start):self.cleaned_index(end)]

    def shown_text(self, start: int, end: int) -> str:
        """:meth:`cleaned_text` on one line (whitespace runs as one space), as citations
        and report evidence display it."""
        return " ".join(self.cleaned_text(start, end).split())

    @property
    def published_year(self) -> int | None:
        """The year of the publication date, when it states one (``--07-18`` does not)."""
        from agent.text.dates import parse_iso

        parts = parse_iso(self.published)
        return parts.year if parts else None

    @cached_property
    def reference_year(self) -> int | None:
        """The year a date without one is read in: the publication year, else the year the
        text is written in (:func:`agent.text.numbers.written_year`, read once)."""
        from agent.text.numbers import written_year

        return self.published_year or written_year(self.search_text)

    def page_of(self, original_index: int) -> int | None:
        """1-based page of an original offset (PDF documents; None otherwise)."""
        return self.source.page_of(original_index)

    def has_mojibake(self, start: int, end: int) -> bool:
        """Whether the original range overlaps a flagged mojibake span."""
        return any(s.start < end and start < s.end for s in self.mojibake)


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    index: int
    text: str
    search_text: str
    start: int
    end: int
    clean_start: int
    clean_end: int
    tokens: int

    def metadata(self) -> dict[str, str | int]:
        return chunk_metadata(self)


#: What Chroma stores beside each chunk's vector (written at ingest, rewritten on repair).
CHUNK_METADATA = ("doc_id", "index", "start", "end", "clean_start", "clean_end", "tokens")


def chunk_metadata(chunk: object) -> dict[str, str | int]:
    """The Chroma metadata of a chunk (a :class:`Chunk` or a stored chunk)."""
    return {name: getattr(chunk, name) for name in CHUNK_METADATA}
