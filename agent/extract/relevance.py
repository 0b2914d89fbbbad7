"""Which passages of a document are about the topic (vocational education, skills,
industry–education cooperation), decided per passage, before any model call.

A news bulletin reports several unrelated stories; a report on a flood shelter names the
vocational school that hosts it; a list of school types closed for a typhoon includes
中等职业学校. Extraction must only see passages about the topic. The unit is the
paragraph (a bulletin puts each story in its own paragraph); the signal is the number of
sentences that use a topic *concept* (职业教育, 技能人才, 产教融合, 实训… —
``agent/lexicon/topic.toml``), not an institution's name, which is often only a venue:

* an article whose headline line uses a concept, or :data:`DOC_MIN_SENTENCES` and
  :data:`DOC_MIN_SHARE` of whose sentences do, is about the topic: every paragraph is kept;
* otherwise (a bulletin, a one-paragraph report) each paragraph with
  :data:`PASSAGE_MIN_SENTENCES` concept sentences is kept, and so is a paragraph of at most
  that many sentences with one;
* a paragraph with exactly one concept sentence is *uncertain*: a passing mention or a
  short story about the topic. :func:`passage_relevance` leaves it out unless a
  ``judge`` (a short constrained model call) says it is about the topic twice: read from
  its lead (the text before the concept is used, when there is enough of it:
  :func:`lead_reading`), and read where the concept is used (that sentence and its
  neighbours). A report on a memorial ceremony whose twelfth sentence recalls the man's
  work for vocational education passes the first reading by the lead's vagueness and fails
  the second; a report on a magic show that recalls magic entering the catalogue of
  vocational programmes fails the first; a report on a skills job fair passes both. On the
  development set's 21 uncertain passages: off-topic sentences kept 27 → 20 of 338 and
  off-topic reports with anything kept 3 → 2 of 29 when the lead leaves the concept
  sentence aside, every on-topic sentence still kept (92/92).

Measured on the development set and the seeds with ``evals/bench_relevance.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from agent import lexicon
from agent.ingest.chunking import split_sentences
from agent.ingest.documents import Document

DOC_MIN_SENTENCES = 3
DOC_MIN_SHARE = 0.25
"""Concept sentences (count and share) above which a whole article is about the topic."""
PASSAGE_MIN_SENTENCES = 2
"""Concept sentences that make a paragraph about the topic by themselves."""
HEADING_MAX = 60

Verdict = Literal["topic", "uncertain", "off"]
Judge = Callable[[str], bool]
"""Asked about an uncertain passage's text: is it about the topic?"""


@cache
def _concepts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(terms matched as substrings, two-character terms matched as whole jieba words:
    职教 must not match 在职教师, 高职 must not match 提高职工)."""
    terms = lexicon.words("topic", "concepts")
    return tuple(t for t in terms if len(t) > 2), tuple(t for t in terms if len(t) <= 2)


def concept_terms(search_text: str) -> list[str]:
    """The topic concepts used in ``search_text`` (a simplified search form)."""
    from agent.index.lexical import tokenize

    long_terms, short_terms = _concepts()
    found = [t for t in long_terms if t in search_text]
    if short_terms:
        for word in lexicon.words("topic", "not_concepts"):
            search_text = search_text.replace(word, " ")
        words = set(tokenize(search_text))
        found += [t for t in short_terms if t in words]
    return found


AFFILIATION_REACH = 8
"""Characters between a concept and the title that makes it a person's affiliation."""


@cache
def _affiliation_after() -> re.Pattern[str]:
    titles = "|".join(lexicon.words("topic", "affiliation_titles"))
    return re.compile(rf"[^，,、；;。：:]{{0,{AFFILIATION_REACH}}}?(?:{titles})")


LIST_MIN_ITEMS = 3
KIND_MAX_CHARS = 6
_ITEM_END = re.compile(r"[，,。；;：:！？!?（）()“”]")


def _one_of_listed_kinds(search_text: str, at: int, end: int) -> bool:
    """Whether ``[at, end)`` is a short item (a kind of school, a stage) of a list of at
    least :data:`LIST_MIN_ITEMS` items ("A、B、C和D") none of whose other items uses a
    concept: "资助学前教育、义务教育、中职学校、普通高中和普通高校学生", "全市中小学、
    技工院校和各类培训机构停课" name one kind among many, not the topic."""
    left = max((m.end() for m in _ITEM_END.finditer(search_text, 0, at)), default=0)
    right_match = _ITEM_END.search(search_text, end)
    clause = search_text[left : right_match.start() if right_match else len(search_text)]
    items = clause.split("、")
    items[-1:] = re.split(r"[和及与]", items[-1], maxsplit=1)
    if len(items) < LIST_MIN_ITEMS:
        return False
    own = next((i for i in items if search_text[at:end] in i), "")
    return 0 < len(own) <= KIND_MAX_CHARS and sum(bool(concept_terms(i)) for i in items) == 1


def uses_concept(search_text: str) -> bool:
    """Whether a sentence uses a topic concept other than in someone's affiliation
    ("…职教集团龙强理事长与营员代表共同开启…" names who attended, not the topic) or as one
    kind in a list of others (:func:`_one_of_listed_kinds`)."""
    after = _affiliation_after()
    for term in concept_terms(search_text):
        at = search_text.find(term)
        while at >= 0:
            if not (after.match(search_text, at + len(term))
                    or _one_of_listed_kinds(search_text, at, at + len(term))):
                return True
            at = search_text.find(term, at + 1)
    return False


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    sentences: int
    concept_sentences: int
    verdict: Verdict
    concept_window: tuple[int, int] | None = None
    """An uncertain passage's concept sentence with the sentences either side."""


def _paragraphs(doc: Document) -> list[tuple[int, int]]:
    """Non-empty lines; a heading line ("（二）完善支持保障": short, no sentence end) joins
    the paragraph after it."""
    lines = []
    pos = 0
    for line in doc.text.split("\n"):
        if line.strip():
            lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for start, end in lines:
        text = doc.text[start:end].strip()
        if len(text) <= HEADING_MAX and not any(ch in text for ch in "。！？!?；;"):
            pending = start if pending is None else pending
            continue
        out.append((start if pending is None else pending, end))
        pending = None
    if pending is not None:
        out.append((pending, lines[-1][1]))
    return out


def passages(doc: Document) -> list[Passage]:
    """The document's paragraphs with their verdict by code."""
    sentence_spans = split_sentences(doc.text)
    flags = [uses_concept(doc.search_text[s:e]) for s, e in sentence_spans]
    about = _about_topic(doc, flags)
    out = []
    for ps, pe in _paragraphs(doc):
        spans = [(span, f) for span, f in zip(sentence_spans, flags, strict=True)
                 if ps <= span[0] < pe]
        n, c = len(spans), sum(f for _, f in spans)
        verdict: Verdict
        window = None
        if about or c >= PASSAGE_MIN_SENTENCES or (c and n <= PASSAGE_MIN_SENTENCES):
            verdict = "topic"
        elif c == 1:
            verdict = "uncertain"
            at = next(i for i, (_, f) in enumerate(spans) if f)
            window = (spans[max(0, at - 1)][0][0], spans[min(n - 1, at + 1)][0][1])
        else:
            verdict = "off"
        out.append(Passage(ps, pe, n, c, verdict, window))
    return out


def _about_topic(doc: Document, flags: list[bool]) -> bool:
    """An article whose headline line uses a concept, or enough of whose sentences do, is
    about the topic as a whole: its paragraphs without a concept ("活动现场，近200名青少年
    参加") belong to the story. A bulletin (many stories) stays below the share."""
    first_line = doc.text.split("\n", 1)[0].strip()
    if (first_line == doc.title and len(first_line) <= HEADING_MAX and "\n" in doc.text
            and concept_terms(doc.search_text[: len(first_line)])):
        return True
    total = sum(flags)
    return total >= DOC_MIN_SENTENCES and total / max(1, len(flags)) >= DOC_MIN_SHARE


LEAD_MIN_CHARS = 80
"""Text before an uncertain passage's concept window long enough to be read as its lead."""


def lead_reading(doc: Document, passage: Passage) -> str:
    """What an uncertain passage is about when its one concept sentence is left aside: the
    text before its concept window when there is enough of it, else the whole passage. A
    report on a magic show whose fifth sentence recalls that magic entered the catalogue of
    vocational programmes is about the show, and its lead says so; read with that sentence
    in view, the small model calls it vocational education."""
    if passage.concept_window is not None:
        before = doc.text[passage.start : passage.concept_window[0]]
        if len(before.strip()) >= LEAD_MIN_CHARS:
            return before
    return doc.text[passage.start : passage.end]


def passage_relevance(doc: Document, judge: Judge | None = None) -> list[tuple[int, int]]:
    """Cleaned-text ranges of the passages to extract from. Uncertain passages are kept
    only when ``judge`` says so of the passage's lead (:func:`lead_reading`) and of its
    concept window (no judge: left out)."""
    keep = []
    for p in passages(doc):
        if p.verdict == "topic" or (
            p.verdict == "uncertain" and judge is not None and p.concept_window is not None
            and judge(lead_reading(doc, p))
            and judge(doc.text[p.concept_window[0] : p.concept_window[1]])
        ):
            keep.append((p.start, p.end))
    return keep


def document_is_relevant(doc: Document) -> bool:
    """Any passage about the topic by code alone (the pre-filter for large corpora)."""
    return any(p.verdict == "topic" for p in passages(doc))


def in_ranges(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the cleaned range ``[start, end)`` lies inside one of ``ranges``."""
    return any(a <= start and end <= b for a, b in ranges)
