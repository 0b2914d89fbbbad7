"""Verify model-supplied quotes against a document and map them to original offsets.

The model is asked to copy evidence *verbatim*, but what it copies is the cleaned text
it saw (pinyin glue removed), possibly in simplified script, with full/half-width or
whitespace drift. Matching therefore happens on a normalised form of both sides:

* Traditional → simplified, **character by character** (OpenCC ``t2s`` on single
  characters), so the normalised string stays aligned with its input;
* NFKC (full-width → half-width), lowercase;
* whitespace and zero-width characters dropped;
* quotation marks and dashes folded to one form (“”「」『』 → ``"``, ‘’ → ``'``, —/–/― → ``-``);
  NFKC already folds ，：；！？（） to their ASCII forms.

If that fails, a second pass additionally drops punctuation (``drop_punct=True``)
except the characters in :data:`KEPT_PUNCT` (``.``, ``%``…) that change numbers.

A match is mapped back through the normalised→cleaned index map and then through
``doc.offsets`` to original coordinates; the returned :class:`Evidence` always satisfies
``doc.original[e.start:e.end] == e.quote`` (so pinyin glue inside the span is part of the
quote, as in the original). Paraphrases never match: every normalised character must be
present, in order, contiguously (or contiguously within each ``…``-separated part).
"""

from __future__ import annotations

import re
from bisect import bisect_left

from agent.extract.schemas import Evidence
from agent.ingest.documents import Document
from agent.text.normalize import normalise_for_match, strip_pinyin_glue

MIN_QUOTE_CHARS = 4
"""Quotes (and ellipsis parts) shorter than this many normalised chars are rejected."""

MAX_ELLIPSIS_GAP = 300
"""Most cleaned characters allowed between two consecutive ``…``-separated parts."""

_ELLIPSIS = re.compile(r"…+|⋯+|\.{3,}|。{3,}|·{3,}")


# --------------------------------------------------------------------------- document forms

_DOC_CACHE: dict[tuple[int, bool], tuple[str, tuple[str, list[int]]]] = {}
_DOC_CACHE_MAX = 64


def _doc_form(doc: Document, drop_punct: bool) -> tuple[str, list[int]]:
    """Normalised cleaned text of ``doc`` with its map to cleaned indices (cached)."""
    key = (id(doc), drop_punct)
    hit = _DOC_CACHE.get(key)
    if hit is not None and hit[0] is doc.text:
        return hit[1]
    form = normalise_for_match(doc.text, drop_punct=drop_punct)
    if len(_DOC_CACHE) >= _DOC_CACHE_MAX:
        _DOC_CACHE.pop(next(iter(_DOC_CACHE)))
    _DOC_CACHE[key] = (doc.text, form)
    return form


def _split_parts(quote: str, drop_punct: bool) -> list[str] | None:
    """Normalised non-empty parts of a quote split on ellipses; None if any is too short.

    If an ellipsis split leaves a too-short part (the ellipsis may be part of the source
    text, e.g. ``等……``), the whole quote is tried as a single part instead.
    """
    parts = []
    for raw in _ELLIPSIS.split(quote):
        norm, _ = normalise_for_match(raw, drop_punct=drop_punct)
        if norm:
            parts.append(norm)
    if parts and all(len(p) >= MIN_QUOTE_CHARS for p in parts):
        return parts
    whole, _ = normalise_for_match(quote.strip(), drop_punct=drop_punct)
    if len(parts) > 1 and len(whole) >= MIN_QUOTE_CHARS:
        return [whole]
    return None


def _find_parts(
    norm: str, index: list[int], parts: list[str], lo: int, hi: int
) -> tuple[int, int] | None:
    """First in-order occurrence of ``parts`` in ``norm[lo:hi]``; cleaned ``[start, end)``."""
    first = parts[0]
    pos = norm.find(first, lo, hi)
    while pos != -1:
        end = pos + len(first)
        ok = True
        for part in parts[1:]:
            nxt = norm.find(part, end, hi)
            if nxt == -1 or index[nxt] - index[end - 1] - 1 > MAX_ELLIPSIS_GAP:
                ok = False
                break
            end = nxt + len(part)
        if ok:
            return index[pos], index[end - 1] + 1
        pos = norm.find(first, pos + 1, hi)
    return None


def _locate_clean(
    doc: Document, quote: str, within: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Cleaned-text range matched by ``quote``, trying stricter forms first."""
    candidates = [quote]
    stripped = strip_pinyin_glue(quote)
    if stripped != quote:
        candidates.append(stripped)
    for drop_punct in (False, True):
        norm, index = _doc_form(doc, drop_punct)
        if within is None:
            lo, hi = 0, len(norm)
        else:
            lo = bisect_left(index, max(0, within[0]))
            hi = bisect_left(index, min(len(doc.text), within[1]))
        for cand in candidates:
            parts = _split_parts(cand, drop_punct)
            if parts is None:
                continue
            found = _find_parts(norm, index, parts, lo, hi)
            if found is not None:
                return found
    return None


def range_evidence(doc: Document, start: int, end: int) -> Evidence:
    """Evidence for the cleaned-text range ``[start, end)``: its exact original slice."""
    o_start, o_end = doc.original_span(start, end)
    return Evidence(doc_id=doc.doc_id, quote=doc.original[o_start:o_end], start=o_start, end=o_end)


def locate_quote(
    doc: Document, quote: str, *, within: tuple[int, int] | None = None
) -> Evidence | None:
    """Find ``quote`` in ``doc``'s cleaned text; return evidence in original coordinates.

    ``within`` is a cleaned-text window ``[start, end)`` (e.g. the chunk the model saw);
    the first occurrence inside it wins. Quotes shorter than :data:`MIN_QUOTE_CHARS`
    normalised characters (per ``…`` part) are rejected. ``None`` when not found.
    """
    if not doc.text:
        return None
    found = _locate_clean(doc, quote, within)
    if found is None:
        return None
    return range_evidence(doc, *found)


def _too_short(quote: str) -> bool:
    return _split_parts(quote, False) is None and _split_parts(quote, True) is None


def _clip(quote: str, limit: int = 80) -> str:
    q = " ".join(quote.split())
    return q if len(q) <= limit else q[: limit - 1] + "…"


def verify_quotes(
    doc: Document, quotes: list[str], *, within: tuple[int, int] | None = None
) -> tuple[list[Evidence], list[str]]:
    """Locate every quote; returns (unique evidence in input order, error messages).

    Error messages are meant to be sent back to the model when re-asking.
    """
    found: list[Evidence] = []
    seen: set[tuple[int, int]] = set()
    errors: list[str] = []
    for quote in quotes:
        ev = locate_quote(doc, quote, within=within)
        if ev is not None:
            if (ev.start, ev.end) not in seen:
                seen.add((ev.start, ev.end))
                found.append(ev)
            continue
        shown = _clip(quote)
        if _too_short(quote):
            errors.append(
                f"引文过短（至少{MIN_QUOTE_CHARS}个字，请复制完整句子片段）/ "
                f'quote too short, copy a longer verbatim span: "{shown}"'
            )
        elif within is not None and locate_quote(doc, quote) is not None:
            errors.append(
                "引文不在所给文本片段中（只能引用当前片段）/ "
                f'quote is not inside the given passage: "{shown}"'
            )
        else:
            errors.append(
                "引文未在原文中找到（必须逐字复制，不得改写）/ "
                f'quote not found verbatim in the source (copy exactly, no paraphrase): "{shown}"'
            )
    return found, errors


def _evidence_clean_text(doc: Document, evidence: Evidence) -> str:
    """Cleaned text covered by ``evidence`` (pinyin glue etc. removed) when it is ``doc``'s."""
    if (
        evidence.doc_id == doc.doc_id
        and 0 <= evidence.start < evidence.end <= len(doc.original)
        and doc.original[evidence.start : evidence.end] == evidence.quote
    ):
        a = doc.cleaned_index(evidence.start)
        b = doc.cleaned_index(evidence.end)
        if a < b:
            return doc.text[a:b]
    return strip_pinyin_glue(evidence.quote)


def span_contains(doc: Document, evidence: Evidence, needle: str) -> bool:
    """Whether normalised ``needle`` occurs in the normalised evidence text.

    Used to check that an item's name or amount really appears in its evidence.
    Punctuation is ignored (except :data:`KEPT_PUNCT`); an empty needle is False.
    """
    hay = _evidence_clean_text(doc, evidence)
    for drop_punct in (False, True):
        n, _ = normalise_for_match(needle, drop_punct=drop_punct)
        if not n:
            continue
        h, _ = normalise_for_match(hay, drop_punct=drop_punct)
        if n in h:
            return True
    return False
