"""Sentences for a focused second attempt at an answer.

When the first answer (over the whole tight context) is refused or fails a check, the
small model has usually been distracted by a neighbouring sentence: it cites 主办 for
“由谁主持”, another college's principal, or a count in the wrong unit. Code then picks
the one or two sentences of the retrieved chunks that meet every requirement of the
question (:meth:`agent.qa.question.QuestionSpec.unmet`) and ranks them by overlap with the
question; the model answers again from those sentences alone, and the answer goes
through the same verification. No sentence qualifies → the refusal stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent import lexicon
from agent.index.store import Store, StoredChunk
from agent.ingest.documents import Document
from agent.qa.question import QuestionSpec, counted_binding, coverage
from agent.text.normalize import search_form

FOCUS_TOKENS = 200
"""Token budget of the focused sources (one or two sentences)."""
MIN_SENTENCE_COVERAGE = 0.2
"""Least share of the question's content words in a focused sentence or its chunk's
best-covered neighbourhood; below it a sentence that merely has the right unit or verb
is not taken as the answer."""
BINDING_BONUS = 0.5
"""Score added to a sentence that writes the counted phrase next to its quantity."""
SECOND_SENTENCE_SHARE = 0.7
"""A second sentence is added when it scores this share of the best one (two-part
questions: “建成多少个联合体、多少个共同体”)."""


@dataclass(frozen=True)
class Candidate:
    score: float
    bound: bool  # counted phrase next to a quantity in the asked unit
    chunk: StoredChunk
    doc: Document
    span: tuple[int, int]  # cleaned-text range of the sentence


def lead_text(doc: Document) -> str:
    """Title and first sentences of an article (where its year and place are stated)."""
    return search_form(doc.title + "\n" + doc.text[:300])


def context_text(chunk: StoredChunk, doc: Document) -> str:
    """Where a question's years and places may be stated: the chunk and the article's lead."""
    return chunk.search_text + "\n" + lead_text(doc)


def candidates(store: Store, hits: Sequence[Any], spec: QuestionSpec,
               docs: dict[str, Document] | None = None) -> list[Candidate]:
    """Sentences of the retrieved chunks that meet every requirement, best first."""
    from agent.ingest.chunking import split_sentences
    from agent.text.numbers import numbers_in

    docs = {} if docs is None else docs
    seen: set[tuple[str, int, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        chunk: StoredChunk = hit.chunk
        doc = docs.get(chunk.doc_id) or store.load_document(chunk.doc_id)
        docs[chunk.doc_id] = doc
        context = context_text(chunk, doc)
        chunk_cover = coverage(spec.words, chunk.search_text)
        for s, e in split_sentences(chunk.text):
            span = (chunk.clean_start + s, chunk.clean_start + e)
            if (chunk.doc_id, *span) in seen:
                continue
            seen.add((chunk.doc_id, *span))
            sentence = doc.search_text[span[0]:span[1]]
            if spec.unmet(sentence, context, [sentence], any_role=True):
                continue
            if spec.count and not numbers_in(sentence):
                continue  # “现在有几个成员” is answered by “现有成员6人”, not “带领工作室成员…”
            own = coverage(spec.words, sentence)
            if max(own, 0.5 * chunk_cover) < MIN_SENTENCE_COVERAGE:
                continue
            bound = counted_binding(spec, sentence)
            score = own + 0.25 * chunk_cover - 0.01 * rank + (BINDING_BONUS if bound else 0.0)
            out.append(Candidate(score, bound, chunk, doc, span))
    out.sort(key=lambda c: c.score, reverse=True)
    return out


def pick(cands: Sequence[Candidate], *, budget: int = FOCUS_TOKENS) -> list[Candidate]:
    """The best sentence, plus the runner-up when it is nearly as good, fits, and does
    not lack the counted-phrase binding the best one has."""
    from agent.core.tokens import count_tokens

    if not cands:
        return []
    chosen = [cands[0]]
    used = count_tokens(cands[0].doc.search_text[cands[0].span[0]:cands[0].span[1]])
    for c in cands[1:2]:
        n = count_tokens(c.doc.search_text[c.span[0]:c.span[1]])
        if (c.score >= SECOND_SENTENCE_SHARE * cands[0].score and used + n <= budget
                and c.bound >= cands[0].bound):
            chosen.append(c)
    return chosen


_CLAUSE_END = frozenset("，,；;。！!？?")
_OPEN = {"“": "”", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")"}
MAX_EXTRACT_CHARS = 120
"""Longest extractive answer (cleaned characters)."""


def clauses(text: str, *, marks: bool = True) -> list[tuple[int, int]]:
    """Comma-level clauses of a sentence; a comma inside “…”, 《…》 or (…) does not split,
    unless a mark is never closed (“大赛“互联网+“大学生…” miswrites the closing quote)."""
    out: list[tuple[int, int]] = []
    closers: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if marks and ch in _OPEN:
            closers.append(_OPEN[ch])
        elif closers and ch == closers[-1]:
            closers.pop()
        elif ch in _CLAUSE_END and not closers:
            if i > start:
                out.append((start, i))
            start = i + 1
    if closers:
        return clauses(text, marks=False)
    if start < len(text):
        out.append((start, len(text)))
    return out


EVENT_VERBS = lexicon.words("focus", "event_verbs")
"""A when-question's clause that says what happened (…推进会在石家庄召开)."""


def extract_spans(spec: QuestionSpec, cand: Candidate) -> list[tuple[int, int]]:
    """Cleaned-text ranges of the clauses of ``cand`` that state what was asked, when the
    question has an anchor code can find: the asked role verb (“…王合章主持”), the office
    of the asked organisation, the counted phrase next to its quantity (“高职院校7所”),
    a quantity of the asked measure (“建设周期一般不超过1年”, “500平方米的实训基地”),
    an office title for a post (“…党委副书记、院长某某牵头组织…”),
    or, for a when-question, the clauses with the date and with the event verb.

    Used only after both model attempts failed, on a sentence that already meets every
    requirement of the question; ``[]`` when there is no such anchor. Adjacent clauses
    are merged into one range.
    """
    from agent.qa.question import (
        OFFICE_TITLES,
        has_date,
        mentions_role,
        novel_chars,
        office_stated,
        quotes_have_unit,
    )

    s0, e0 = cand.span
    form = cand.doc.search_text[s0:e0]
    verbs = [v for v in EVENT_VERBS if v in spec.question]
    picked: list[tuple[int, int]] = []
    for a, b in clauses(form):
        clause = form[a:b]
        if (any(mentions_role(clause, r) for r in spec.roles)
                or (spec.office and spec.office[1] in clause
                    and office_stated(*spec.office, [clause]))
                or (not spec.roles and not spec.office and cand.bound
                    and counted_binding(spec, clause))
                or (spec.post and any(t in clause for t in OFFICE_TITLES))
                or (spec.measure and quotes_have_unit([clause], spec.units))
                or (spec.when and verbs and (has_date(clause)
                                             or any(v in clause for v in verbs)))):
            picked.append((a, b))
    if spec.when and not any(has_date(form[a:b]) for a, b in picked):
        return []
    merged: list[tuple[int, int]] = []
    for a, b in picked:
        if merged and not form[merged[-1][1]:a].strip("，,；; "):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    text = "".join(form[a:b] for a, b in merged)
    if (not merged or sum(b - a for a, b in merged) > MAX_EXTRACT_CHARS
            or novel_chars(text, spec.question) < 2):
        return []
    return [(s0 + a, s0 + b) for a, b in merged]
