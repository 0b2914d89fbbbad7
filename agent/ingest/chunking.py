"""Sentence-aware, token-budgeted chunking of cleaned Chinese text.

Sentences end at 。！？；!?; or a line break. A terminator inside a “…”/「…」 quotation
does not end the sentence unless the quotation itself grows past the budget. Sentences
are packed greedily up to ``max_tokens`` (tiktoken), and the last sentences of a chunk
are repeated at the start of the next one up to ``overlap_tokens``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from agent.ingest.documents import Chunk, Document

TERMINATORS = frozenset("。！？；!?;")
CLOSERS = frozenset("”’」』）)】\"'")
OPEN_QUOTES = {"“": "”", "「": "」", "『": "』"}
SOFT_BREAKS = frozenset("，、,：:")


@dataclass(frozen=True)
class Sentence:
    start: int  # cleaned-text offsets, whitespace trimmed
    end: int
    tokens: int


MAX_QUOTED_CHARS = 300
"""A quotation longer than this is taken for an unbalanced quotation mark."""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` ranges of sentences in ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    expected_closers: list[str] = []
    opened_at = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if expected_closers and i - opened_at > MAX_QUOTED_CHARS:
            expected_closers.clear()  # an unbalanced mark (“江南大侠”““浦东人瑞”), not a quotation
        if ch in OPEN_QUOTES and expected_closers and expected_closers[-1] == OPEN_QUOTES[ch]:
            # The same mark cannot nest (Chinese nests “…‘…’…”): an opening mark typed for
            # the closing one, as in 湖南省“互联网+“大学生创新创业大赛.
            expected_closers.pop()
        elif ch in OPEN_QUOTES:
            if not expected_closers:
                opened_at = i
            expected_closers.append(OPEN_QUOTES[ch])
        elif expected_closers and ch == expected_closers[-1]:
            expected_closers.pop()
        boundary = False
        if ch == "\n":
            boundary = True
            expected_closers.clear()  # a quotation never spans paragraphs in news text
        elif ch in TERMINATORS and not expected_closers:
            boundary = True
        if boundary:
            end = i + 1
            while end < n and text[end] in CLOSERS:
                end += 1
            spans.append((start, end))
            start = end
            i = end
            continue
        i += 1
    if start < n:
        spans.append((start, n))
    return [t for t in (_trim(text, s, e) for s, e in spans) if t is not None]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_long(
    text: str, start: int, end: int, max_tokens: int, count: Callable[[str], int]
) -> list[tuple[int, int]]:
    """Split an over-long sentence at commas, else at a fixed character stride."""
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_soft = -1
    for i in range(start, end):
        if count(text[piece_start : i + 1]) > max_tokens:
            cut = last_soft if last_soft > piece_start else i
            if cut <= piece_start:
                cut = piece_start + 1
            pieces.append((piece_start, cut))
            piece_start = cut
            last_soft = -1
        if text[i] in SOFT_BREAKS:
            last_soft = i + 1
    if piece_start < end:
        pieces.append((piece_start, end))
    return pieces


def sentences(text: str, max_tokens: int, count: Callable[[str], int]) -> list[Sentence]:
    out: list[Sentence] = []
    for s, e in split_sentences(text):
        n = count(text[s:e])
        if n <= max_tokens:
            out.append(Sentence(s, e, n))
            continue
        for ps, pe in _split_long(text, s, e, max_tokens, count):
            out.append(Sentence(ps, pe, count(text[ps:pe])))
    return out


def pack(sents: list[Sentence], max_tokens: int, overlap_tokens: int) -> list[list[Sentence]]:
    """Greedy packing with sentence-level overlap; every sentence lands in some group."""
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    size = 0
    fresh = 0  # sentences in `current` not carried over from the previous group
    for sent in sents:
        if current and size + sent.tokens > max_tokens and fresh:
            groups.append(current)
            carry: list[Sentence] = []
            carried = 0
            for prev in reversed(current):
                if (
                    carried + prev.tokens > overlap_tokens
                    or carried + prev.tokens + sent.tokens > max_tokens
                ):
                    break
                carry.insert(0, prev)
                carried += prev.tokens
            current, size, fresh = carry, carried, 0
        current.append(sent)
        size += sent.tokens
        fresh += 1
    if current and fresh:
        groups.append(current)
    return groups


def _fit(
    text: str, group: list[Sentence], max_tokens: int, count: Callable[[str], int]
) -> list[list[Sentence]]:
    """Token counts of joined sentences can exceed their sum by a token or two at the seams;
    split a group that ends up over budget."""
    if len(group) == 1 or count(text[group[0].start : group[-1].end]) <= max_tokens:
        return [group]
    mid = len(group) // 2
    return _fit(text, group[:mid], max_tokens, count) + _fit(text, group[mid:], max_tokens, count)


def chunk_document(
    doc: Document, *, max_tokens: int, overlap_tokens: int, count: Callable[[str], int]
) -> list[Chunk]:
    sents = sentences(doc.text, max_tokens, count)
    digest = hashlib.sha256(doc.content_hash.encode() + f"{max_tokens}/{overlap_tokens}".encode())
    version = digest.hexdigest()[:8]
    groups: list[list[Sentence]] = []
    for group in pack(sents, max_tokens, overlap_tokens):
        groups.extend(_fit(doc.text, group, max_tokens, count))
    chunks: list[Chunk] = []
    for index, group in enumerate(groups):
        clean_start, clean_end = group[0].start, group[-1].end
        start, end = doc.original_span(clean_start, clean_end)
        text = doc.text[clean_start:clean_end]
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}-{version}-{index:04d}",
                doc_id=doc.doc_id,
                index=index,
                text=text,
                search_text=doc.search_text[clean_start:clean_end],
                start=start,
                end=end,
                clean_start=clean_start,
                clean_end=clean_end,
                tokens=count(text),
            )
        )
    return chunks
