"""Cited question answering: retrieve, build a tight context, one structured LLM call,
cite sentences by number (code slices them from the original), refuse when the evidence
is not there.

Pipeline for ``answer_question``:

1. (optional) a follow-up question is rewritten into a standalone one from ``history``;
2. hybrid retrieval of the top-k chunks (the query is searched in its simplified form,
   so a traditional-script question finds simplified text and back);
3. **evidence gate** (no model call): if the retrieved chunks cover too few of the
   question's content words (jieba words of the simplified question, question words and
   function words removed), or the question's numbers/years appear in none of them, the
   answer is a refusal;
4. **tight context**: from every retrieved chunk, the sentences sharing the most content
   words with the question (plus neighbours) within a tiktoken budget, in document order,
   one ``<source>`` block per chunk with every sentence numbered ``[1]``, ``[2]`` … across
   blocks; the fixed instructions come first in the prompt (llama.cpp reuses that cached
   prefix), sources and question last;
5. a **focused first attempt** for a specific question (a role, a unit, a date, an
   office) when exactly one sentence of the retrieved chunks meets every requirement
   (:mod:`agent.qa.focus`): the model reads that sentence alone, a prompt a fifth as
   long, checked as below; refused or failing a check, and for every other question,
   one ``llm.structured`` call over the tight context: a short answer and the numbers of
   the sentences that state it (no copied quotes: the model generates under half the
   tokens it did); the
   :class:`VerifiedAnswer` validator re-asks once when a number was not shown or the
   question asks a role (主持, 牵头) the cited sentences do not say; the citations are the
   exact original spans of the cited sentences; an answer text stating a number, date or
   name its sentences and articles do not is replaced by the sentences themselves;
6. the answer is checked against what the question asks
   (:class:`agent.qa.question.QuestionSpec`): numbers/years and places in the cited chunk
   or the article's lead; the counted noun, the 什么-noun, the asked role verb (主持 ≠
   主办) and, for “X的校长是谁”, the office tied to X in the cited sentences; a
   quantity in the asked unit (几所 → N所) in the quotes; a date for when-questions; a
   name of the asked kind for 哪所院校; a purpose or cause for 为什么 and a reported view
   (表示, 认为; not 表示感谢) for 如何评价; and something beyond a restatement of the
   question; with ``settings.support_check``, a question code cannot check (a reason, a
   list, a name) also goes to one short constrained call on whether the cited sentences
   answer it (:mod:`agent.qa.support`), and a “no” gets one more attempt without them;
7. if the attempt over the context is refused or fails a check (or answers a count from
   a sentence that does not tie the number to the counted phrase while another one does),
   a **focused second attempt** over the one or two sentences that meet every requirement,
   unless step 5 already showed them; if that fails too and the best sentence has an anchor code can
   find (the role verb, the office, the counted phrase next to its quantity, the date
   and event clauses), the answer is those clauses **quoted verbatim by code**;
   otherwise a refusal (``文档中没有提到…``) naming what is missing;
8. the answer text is converted to the question's script (OpenCC), citations carry exact
   original offsets (``original[start:end] == quote``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import ValidationInfo, model_validator

from agent import lexicon
from agent.core.errors import InputError, ModelError, StoreError
from agent.extract.schemas import Evidence
from agent.index.store import Store, StoredChunk
from agent.ingest.documents import Document
from agent.llm.base import ChatModel
from agent.qa.focus import Candidate, context_text
from agent.qa.question import (
    Question,
    QuestionSpec,
    content_words,
    counted_binding,
    coverage,
    question_constraints,
    question_roles,
    question_script,
    quotes_mention_role,
    says_not_given,
    split_question,
    states_title,
    titled_name,
    word_weight,
    years_in_force,
)
from agent.qa.schemas import Answer, AnswerDraft, Citation, distinct
from agent.qa.support import code_decides
from agent.text.normalize import NormalizedText, search_form, to_script
from agent.text.similarity import char_bigrams
from agent.text.terms import says

DEFAULT_K = 3
CONTEXT_TOKENS = 300
"""Token budget (tiktoken o200k) of all shown sentences together. The prompt's new part
(everything after the cached instructions) is evaluated at ~37 tokens/s on two cores, so
it is most of an answer's time. On the CI sample of development questions, sentences cited
by number: 320 → p50 13.1 s; 260 → 11.8 s but the answer sentence left out more often
(an official's view, an organiser: accuracy 0.857 → 0.837)."""
MAX_SENTENCE_TOKENS = 150
"""A longer sentence is clipped to a window around its matching words."""
MIN_SCORED_CHARS = 10
"""Shorter sentences (a heading, "（完）") are scored as if this long."""
WEAK_CHUNK_SHARE = 0.3
"""A retrieved chunk whose best sentence scores under this share of the best of all is
shown last, if room is left: it is more often a distractor than the answer. For "湖南机电
职院那场…座谈会是谁主持的", another report's 150-character list of a course's lecturers took
the room of the answer, the short "…蔡建河主持会议" of the top report."""
MIN_COVERAGE = 0.35
"""Evidence gate: least length-weighted share of the question's content words found in one
retrieved chunk. Calibrated on the seed questions (evals/gold/qa.yaml plus off-corpus
probes): answerable ones score 0.52–1.0, off-corpus ones 0.0–0.15."""
MAX_TOKENS = 200
"""Completion budget of the answer call: a short answer citing a sentence or two takes
20–60 tokens; a rambling output is cut off (→ refusal) instead of costing 20+ s."""
MAX_ANSWER_CHARS = 150
"""A longer answer text is replaced by its cited sentences."""
REALIGN_SHARE = 0.6
"""Least share of an answer's character pairs a shown sentence must have to be cited for
it instead of the sentence the model named (see :meth:`AnswerVerifier.realigned`)."""
REALIGN_MARGIN = 0.3
"""…and by how much it must beat the named sentences when those state the answer too."""

# Placeholders that make a question a follow-up needing the previous turns.
FOLLOWUP_CUES = lexicon.words("questions", "words.followup_cues")

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- context


@dataclass
class Source:
    """Selected sentences of one retrieved chunk, shown to the model as one block."""

    chunk: StoredChunk
    doc: Document
    spans: list[tuple[int, int]] = field(default_factory=list)  # cleaned ranges shown

    @property
    def text(self) -> str:
        """The shown sentences (simplified search form), in document order."""
        return "".join(self.doc.search_text[a:b] for a, b in self.spans)


def _sentence_spans(chunk: StoredChunk) -> list[tuple[int, int]]:
    from agent.ingest.chunking import split_sentences

    base = chunk.clean_start
    return [(base + s, base + e) for s, e in split_sentences(chunk.text)]


def _clip(doc: Document, span: tuple[int, int], words: Sequence[str],
          max_tokens: int, count: Any) -> tuple[int, int]:
    """Shrink a too-long sentence to a window around its first matching word."""
    s, e = span
    if count(doc.search_text[s:e]) <= max_tokens:
        return span
    form = doc.search_text[s:e]
    hits = [form.find(w) for w in words if w in form]
    centre = s + (min(hits) if hits else 0)
    width = max(20, int(max_tokens * 1.1))
    a = max(s, centre - width // 3)
    b = min(e, a + width)
    while b > a + 10 and count(doc.search_text[a:b]) > max_tokens:
        b -= 10
    return (a, b)


def sentence_score(words: Sequence[str], roles: Sequence[str], text: str) -> float:
    """How well a sentence (simplified search form) matches a question: the length-weighted
    overlap with its content words (a named role counts ``ROLE_BONUS``), per square root of
    the sentence's length. A long sentence says more of the question's words by its length
    alone: for "失业保险的技能提升补贴，拿到中级工证能补多少钱", a report's 150-character lead
    names the province, the insurance and the subsidy; scored by overlap alone it kept the
    short "补贴标准为初级（五级）1000元、中级（四级）1500元…" below half its score (see
    :func:`build_context`), out of the context, and filled the budget."""
    overlap = (sum(word_weight(w) for w in words if says(w, text))
               + ROLE_BONUS * sum(r in text for r in roles))
    return overlap / math.sqrt(max(len(text), MIN_SCORED_CHARS))


def build_context(store: Store, hits: Sequence[Any], question: Question, *,
                  budget: int = CONTEXT_TOKENS,
                  exclude: Collection[tuple[str, int, int]] = ()) -> list[Source]:
    """Numbered sources: per chunk, the sentences most relevant to ``question``.

    Sentences are scored by :func:`sentence_score`; the best sentence of every chunk is
    taken first (best chunk first on ties; a weak chunk's last), then the one after the best
    of all, other strong sentences and the neighbours of those taken, while the total stays
    within ``budget`` tokens. Chunks with no overlapping sentence are left out, and so are the
    sentences overlapping an ``exclude`` range (document id, cleaned start, end). The text
    shown is the simplified search form (same length as the cleaned text): the small model
    reads simplified text more reliably, and citations are sliced from the original by code.
    """
    from agent.core.tokens import count_tokens

    words = content_words(question)
    roles = question_roles(question)
    docs: dict[str, Document] = {}
    per_chunk: list[tuple[StoredChunk, Document, list[tuple[int, int]], list[float]]] = []
    for hit in hits:
        chunk: StoredChunk = hit.chunk
        if chunk.doc_id not in docs:
            docs[chunk.doc_id] = store.load_document(chunk.doc_id)
        doc = docs[chunk.doc_id]
        spans = [(s, e) for s, e in _sentence_spans(chunk)
                 if not any(d == chunk.doc_id and s < b and e > a for d, a, b in exclude)]
        scores = [sentence_score(words, roles, doc.search_text[s:e]) for s, e in spans]
        per_chunk.append((chunk, doc, spans, scores))

    chosen: dict[int, dict[int, tuple[int, int]]] = {i: {} for i in range(len(per_chunk))}
    used = 0

    def take(ci: int, si: int) -> bool:
        nonlocal used
        _chunk, doc, spans, _ = per_chunk[ci]
        if si in chosen[ci] or not 0 <= si < len(spans):
            return False
        span = _clip(doc, spans[si], words, MAX_SENTENCE_TOKENS, count_tokens)
        n = count_tokens(doc.search_text[span[0]:span[1]])
        if used + n > budget or span[1] <= span[0]:
            return False
        chosen[ci][si] = span
        used += n
        return True

    ranked = sorted(
        ((score, -ci, si, ci) for ci, (_, _, _, scores) in enumerate(per_chunk)
         for si, score in enumerate(scores) if score > 0),
        reverse=True,
    )
    best_score = ranked[0][0] if ranked else 0.0
    # 1. every chunk's best sentence unless it is weak, 2. the sentence after the best of all
    # (news states the subject, then the details: "…入围现场赛。现场赛分为…3个赛道。"),
    # 3. other strong sentences, 4. neighbours, 5. the weak chunks' best sentences.
    firsts: set[int] = set()
    weak: list[tuple[int, int]] = []
    for score, _neg, si, ci in ranked:
        if ci not in firsts:
            firsts.add(ci)
            if score >= WEAK_CHUNK_SHARE * best_score:
                take(ci, si)
            else:
                weak.append((ci, si))
    if ranked:
        take(ranked[0][3], ranked[0][2] + 1)
    for score, _neg, si, ci in ranked:
        if score >= 0.5 * best_score:
            take(ci, si)
    for _score, _neg, si, ci in ranked:
        if si in chosen[ci]:
            take(ci, si + 1)
            take(ci, si - 1)
    for ci, si in weak:
        take(ci, si)

    return [Source(chunk, doc, [chosen[ci][si] for si in sorted(chosen[ci])])
            for ci, (chunk, doc, _spans, _scores) in enumerate(per_chunk) if chosen[ci]]


def numbered_sentences(sources: Sequence[Source]) -> list[tuple[Source, tuple[int, int]]]:
    """The shown sentences in the order the model numbers them: ``[n]`` is item n-1."""
    return [(src, span) for src in sources for span in src.spans]


def render_sources(sources: Sequence[Source]) -> str:
    """One ``<source>`` block per chunk, each shown sentence on its own line as ``[n]…``,
    numbered across all blocks (the model cites sentences by these numbers)."""
    from itertools import groupby

    from agent.core.prompts import fence

    numbered = enumerate(numbered_sentences(sources), start=1)
    return "\n".join(
        fence("\n".join(f"[{n}]" + " ".join(src.doc.search_text[a:b].split())
                        for n, (src, (a, b)) in block), "source")
        for _, block in groupby(numbered, key=lambda item: id(item[1][0])))


# --------------------------------------------------------------------------- verification


@dataclass
class AnswerVerifier:
    """Turns a draft's sentence numbers into evidence; shared across instructor re-asks."""

    sentences: list[tuple[Source, tuple[int, int]]]
    roles: tuple[str, ...] = ()  # role verbs the question asks about (主持, 牵头…)
    question: str = ""  # its search form: an answer may repeat the question's words
    reasks_left: int = 1

    @cached_property
    def _evidence(self) -> list[tuple[Source, Evidence]]:
        """Each shown sentence's exact original span, sliced once (the check, the keeping,
        the realignment and the answer read them again)."""
        from agent.extract.evidence import range_evidence

        return [(src, range_evidence(src.doc, a, b)) for src, (a, b) in self.sentences]

    def sentence(self, number: int) -> tuple[Source, Evidence] | str:
        """The exact original span of sentence ``[number]``, or the error to send back."""
        if not 1 <= number <= len(self.sentences):
            return (f"句子 [{number}] 不存在（只能引用 [1] 到 [{len(self.sentences)}]）/ "
                    "no such sentence")
        return self._evidence[number - 1]

    def evidence(self, cite: Sequence[int]) -> tuple[list[tuple[Source, Evidence]], list[str]]:
        """The evidence of the cited sentences, and what is wrong with the other numbers."""
        found: list[tuple[Source, Evidence]] = []
        problems: list[str] = []
        for number in dict.fromkeys(cite):
            res = self.sentence(number)
            if isinstance(res, str):
                problems.append(res)
            else:
                found.append(res)
        return found, problems

    def unsupported(self, text: str, found: Sequence[tuple[Source, Evidence]]) -> list[str]:
        """What the answer text states that its cited sentences do not: numbers or dates
        not in them, names the cited articles never write. Not sent back to the model (a
        re-ask costs a whole generation): the sentences replace such a text."""
        from agent.text.nouns import unsupported_terms
        from agent.text.numbers import unsupported_dates, unsupported_numbers

        quotes = [ev.quote for _, ev in found]
        days = [d for src, ev in found for d in report_days(ev.quote, src.doc.published)]
        return (unsupported_numbers(text, quotes) or unsupported_dates(text, quotes, days)
                or unsupported_terms(search_form(text),
                                     [self.question, *(src.doc.search_text for src, _ in found)]))

    def check(self, draft: AnswerDraft) -> list[str]:
        if not draft.answerable:
            return []
        if not draft.cite:
            return ["answerable 为 true 时 cite 至少要有一个句子编号 / cite at least one sentence"]
        found, problems = self.evidence(draft.cite)
        if not problems and self.roles and not quotes_mention_role(
                [ev.quote for _, ev in found], self.roles):
            role = "/".join(self.roles)
            problems.append(f"问题问的是“{role}”，cite 必须是写明“{role}”的句子 / "
                            f"cite the sentence that says {role}")
        return problems

    def keep_verified(self, cite: list[int]) -> list[int]:
        return [n for n in dict.fromkeys(cite) if not isinstance(self.sentence(n), str)]

    def realigned(self, answer: str, cite: list[int]) -> list[int]:
        """``cite``, or the one shown sentence that states ``answer`` when the cited ones
        do not. The small model often writes the right answer under the number of the
        sentence before or after it: for "现场赛分成了哪几个赛道", the three tracks under
        the number of "…409个项目入围现场赛"; for an official's view, "张学武…表示感谢"
        under the number of the sentence about the donation. A sentence states the answer
        when it has at least :data:`REALIGN_SHARE` of the answer's character pairs and
        every number, date and name of it."""
        from agent.text.normalize import normalise_for_match

        want = char_bigrams(normalise_for_match(answer, drop_punct=True)[0])
        if not want or not cite:
            return cite

        def share(numbers: Sequence[int]) -> float:
            text = "".join(ev.quote for _, ev in self.evidence(numbers)[0])
            have = char_bigrams(normalise_for_match(text, drop_punct=True)[0])
            return len(want & have) / len(want)

        def states(numbers: Sequence[int]) -> bool:
            return not self.unsupported(answer, self.evidence(numbers)[0])

        shares = {n: share([n]) for n in range(1, len(self.sentences) + 1)}
        best = max(shares, key=shares.__getitem__)  # the first of equals
        if (best not in cite and shares[best] >= REALIGN_SHARE and states([best])
                and (not states(cite) or shares[best] >= share(cite) + REALIGN_MARGIN)):
            return [best]
        return cite


class VerifiedAnswer(AnswerDraft):
    """``AnswerDraft`` whose validator checks the cited sentence numbers.

    The first failure (a number not shown, no sentence with the asked role) goes back to
    the model (instructor re-ask); after the re-ask budget unknown numbers are dropped (and
    an answer text its sentences do not support is emptied, to be replaced by them), so
    the validated and cached object only cites sentences that were shown.
    """

    @model_validator(mode="after")
    def _verify(self, info: ValidationInfo) -> VerifiedAnswer:
        verifier = (info.context or {}).get("verifier")
        if not isinstance(verifier, AnswerVerifier):
            return self
        if not self.answerable:
            self.cite = []
            return self
        problems = verifier.check(self)
        if problems and verifier.reasks_left > 0:
            verifier.reasks_left -= 1
            raise ValueError("请改正后重新输出 / fix these citations:\n" + "\n".join(problems[:8]))
        kept = verifier.realigned(self.answer, verifier.keep_verified(self.cite))
        if (len(self.answer) > MAX_ANSWER_CHARS
                or verifier.unsupported(self.answer, verifier.evidence(kept)[0])):
            self.answer = ""  # the cited sentences, cleaned, are the answer (see _attempt)
        self.cite = kept
        if not kept:
            # Nothing to cite: stored as the refusal it is. Stored as "answerable, no
            # sentence" it would fail this validator on every cache read and be asked again.
            self.answerable = False
        return self


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？.!?" else text + "。"


# --------------------------------------------------------------------------- refusal


REFUSAL = {"simplified": "文档中没有提到", "traditional": "文件中沒有提到"}


def refusal_text(question: str, script: str, reason: str = "") -> str:
    """``文档中没有提到…`` / ``文件中沒有提到…`` naming what is missing."""
    topic = question.strip().rstrip("？?。.！!")
    body = f"“{topic}”的答案" + (f"（{reason}）" if reason else "") + "。"
    return REFUSAL[script] + to_script(body, script)


ROLE_BONUS = 3.0  # a sentence naming the asked role (主持…) outranks mere topic overlap


def evidence_gate(question: Question, hits: Sequence[Any]) -> str | None:
    """Reason to refuse without calling the model, or None when the evidence suffices."""
    if not hits:
        return "没有检索到相关资料"
    words = content_words(question)
    if not words:
        return None
    best = max(coverage(words, h.chunk.search_text) for h in hits)
    if best < MIN_COVERAGE:
        return f"检索到的资料与问题关系太弱（覆盖率 {best:.2f}）"
    hay = "\n".join(h.chunk.search_text for h in hits)
    absent = [c.label for c in question_constraints(question) if not c.met(hay)]
    if absent:
        return f"资料中没有“{'、'.join(absent)}”"
    return None


# --------------------------------------------------------------------------- follow-ups


def needs_rewrite(question: str) -> bool:
    """Whether a question leans on the previous turns (pronoun / ellipsis cues)."""
    q = search_form(question).strip()
    if any(cue in q for cue in FOLLOWUP_CUES):
        return True
    return len(content_words(q)) <= 1


def rewrite_question(llm: ChatModel, question: str, history: Sequence[tuple[str, str]]) -> str:
    """Standalone form of a follow-up ``question`` given ``(question, answer)`` turns.

    Skips the model call when there is no history or no follow-up cue. The output is
    kept only when it is a plausible question (non-empty, not absurdly long).
    """
    if not history or not needs_rewrite(question):
        return question
    from agent.core.prompts import load_prompt

    prompt = load_prompt("rewrite")
    turns = "\n".join(f"问：{q}\n答：{a[:200]}" for q, a in list(history)[-2:])
    text = llm.text(prompt.render(history=turns, question=question), prompt=prompt,
                    max_tokens=80)
    line = next((ln.strip() for ln in text.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:改写后的问题|独立问题|问题|问)[:：]\s*", "", line).strip().strip("“”\"")
    if not line or len(line) > 4 * len(question) + 60:
        return question
    return line


# --------------------------------------------------------------------------- answering


def _citation(chunk: StoredChunk, doc: Document, ev: Evidence) -> Citation:
    shown = doc.shown_text(ev.start, ev.end)
    return Citation(doc_id=chunk.doc_id, path=chunk.path, chunk_id=chunk.chunk_id,
                    quote=ev.quote, start=ev.start, end=ev.end, title=chunk.title,
                    text=shown, page=doc.page_of(ev.start))


def _cut_off(exc: BaseException) -> bool:
    """Whether a ModelError comes from output truncated at ``max_tokens``."""
    from instructor.core import IncompleteOutputException

    cur: BaseException | None = exc
    for _ in range(12):
        if cur is None:
            return False
        if isinstance(cur, IncompleteOutputException):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def _usage(llm: ChatModel, before: dict[str, Any]) -> dict[str, float]:
    """What this answer cost: the numeric counters of ``llm.usage()`` since ``before``
    (the LLM object may have answered other questions of the same chat before)."""
    from agent.llm.client import usage_delta

    return usage_delta(llm.usage(), before)


def _refuse(question: str, script: str, reason: str) -> Answer:
    """A refusal of one (part of a) question; :func:`answer_question` sets the asked
    question, the standalone form and the usage."""
    return Answer(question=question, answer=refusal_text(question, script, reason),
                  answerable=False)


def _cited_text(sentences: Sequence[tuple[Source, int, int]], ev: Evidence) -> str:
    """The text of a verified quote's whole sentences (:func:`_cited_sentences`)."""
    return "".join(src.doc.search_text[s:e] for src, s, e in sentences) or search_form(ev.quote)


def _cited_sentences(src: Source, ev: Evidence) -> list[tuple[Source, int, int]]:
    """The cleaned ranges of the sentences of ``src``'s chunk that a quote overlaps."""
    a = src.doc.cleaned_index(ev.start)
    b = src.doc.cleaned_index(ev.end)
    return [(src, s, e) for s, e in _sentence_spans(src.chunk) if s < b and e > a]


def _named_title(kind: str, sentences: Sequence[tuple[Source, int, int]]) -> Citation | None:
    """The name of a ``kind`` in marks in a cited sentence, as its own citation: the
    model often answers with the clause around a long title ("某某等同学的项目《…》在指导老师
    的指导下…") and without the title, though the sentence it cites holds it."""
    from agent.extract.evidence import range_evidence

    for src, s, e in sentences:
        if span := titled_name(src.doc.search_text[s:e], kind):
            ev = range_evidence(src.doc, s + span[0], s + span[1])
            return _citation(src.chunk, src.doc, ev)
    return None


def report_days(quote: str, published: str | None) -> list[tuple[int, int]]:
    """The (month, day) that 今天/昨日 in ``quote`` name by the publication date."""
    from agent.text.dates import named_day

    named = named_day(quote, published)
    return [(named[1].month, named[1].day)] if named else []


def resolved_day(sentence: str, published: str | None) -> str | None:
    """“今天即2023年7月15日” for a sentence that names its day relative to the report's
    publication date; None when it does not or the date is unknown."""
    from agent.text.dates import named_day

    named = named_day(sentence, published)
    if named is None:
        return None
    word, day = named
    return f"{word}即{day.year}年{day.month}月{day.day}日"


def with_report_days(text: str, days: Sequence[str]) -> str:
    """``text`` telling the reader the dates of ``days`` (from :func:`resolved_day`) it
    does not state: “活动今天在…举行” is dated by the report's publication date."""
    told = [d for d in dict.fromkeys(days) if d.split("年", 1)[1] not in text]
    return text + "".join(f"（{d}，据发布日期）" for d in told)


def _attempt(llm: ChatModel, question: str, spec: QuestionSpec, sources: list[Source],
             script: str) -> tuple[Answer, str] | str:
    """One validated answer call over ``sources``: the checked answer with the text of
    the sentences it cites, or why it failed."""
    from agent.core.prompts import load_prompt

    prompt = load_prompt("answer")
    messages = prompt.render(sources=render_sources(sources), question=question)
    verifier = AnswerVerifier(numbered_sentences(sources), roles=spec.roles,
                              question=search_form(question))
    try:
        draft = llm.structured(VerifiedAnswer, messages, prompt=prompt, max_tokens=MAX_TOKENS,
                               validation_context={"verifier": verifier})
    except ModelError as exc:
        if not _cut_off(exc):
            raise
        # The model rambled past the budget (e.g. repeating itself): nothing to cite.
        return "模型没有给出可核实的回答"
    if not draft.answerable:
        return ""
    citations: list[Citation] = []
    cited: list[str] = []
    contexts: list[str] = []
    relative_days: list[str] = []
    in_force: set[int] = set()
    sentences: list[tuple[Source, int, int]] = []  # cleaned ranges of the cited sentences
    for src, ev in verifier.evidence(draft.cite)[0]:
        citation = _citation(src.chunk, src.doc, ev)
        if distinct([*citations, citation]) == citations:
            continue
        citations.append(citation)
        own = _cited_sentences(src, ev)
        sentences += own
        cited.append(_cited_text(own, ev))
        contexts.append(context_text(src.chunk, src.doc))
        if day := resolved_day(cited[-1], src.doc.published):
            relative_days.append(day)
        in_force |= years_in_force(src.doc.search_text, src.doc.cleaned_index(ev.start),
                                   src.doc.published)
    if not citations:
        return "没有能核实的引文"
    quotes = [c.quote for c in citations]
    text = draft.answer.strip() or "".join(_sentence(c.shown) for c in citations)
    if says_not_given(text):
        return "回答说资料没有给出答案"
    if spec.when or spec.day:
        text = with_report_days(text, relative_days)
    if spec.title and not states_title(search_form(text), spec.title):
        if named := _named_title(spec.title, sentences):
            if search_form(named.quote) not in search_form(text):
                text = f"{spec.title}名称：{named.quote}。{text}"
            citations = distinct([named, *citations])
    unmet = spec.unmet("\n".join(cited), "\n".join(contexts), quotes, text, in_force=in_force)
    if unmet:
        return f"引用的资料中没有“{'、'.join(unmet)}”"
    return (Answer(question=question, answer=to_script(text, script), answerable=True,
                   citations=citations), "\n".join(cited))


def focused_sources(cands: Sequence[Candidate], *, bound_only: bool = False) -> list[Source]:
    """Sources of the focused second attempt (see :mod:`agent.qa.focus`); empty when no
    sentence meets the question's requirements (or, with ``bound_only``, when the best
    one does not write the counted phrase next to its quantity)."""
    from agent.qa.focus import pick

    if bound_only and not (cands and cands[0].bound):
        return []
    return [Source(c.chunk, c.doc, [c.span]) for c in pick(cands)]


def extractive_answer(spec: QuestionSpec, cands: Sequence[Candidate],
                      script: str) -> Answer | None:
    """The clauses of the best qualifying sentence that state what was asked, quoted
    verbatim (see :func:`agent.qa.focus.extract_spans`), or None."""
    from agent.extract.evidence import range_evidence
    from agent.qa.focus import extract_spans

    spans = extract_spans(spec, cands[0]) if cands else []
    if not spans:
        return None
    cand = cands[0]
    doc = cand.doc
    citations = [_citation(cand.chunk, doc, range_evidence(doc, *span)) for span in spans]
    shown_text = "，".join(doc.search_text[a:b] for a, b in spans)
    in_force = years_in_force(doc.search_text, spans[0][0], doc.published)
    if spec.unmet(shown_text, context_text(cand.chunk, doc), [c.quote for c in citations],
                  shown_text, in_force=in_force):
        return None  # e.g. 哪所院校 asked but the anchored clauses name no school
    text = shown_text
    if (spec.when or spec.day) and (day := resolved_day(shown_text, doc.published)):
        text = with_report_days(text, [day])
    text = _sentence(to_script(text, script))
    return Answer(question=spec.question, answer=text, answerable=True, citations=citations)


def answer_question(store: Store, llm: ChatModel, question: str, *, k: int = DEFAULT_K,
                    history: Sequence[tuple[str, str]] | None = None,
                    budget: int = CONTEXT_TOKENS) -> Answer:
    """Answer ``question`` from the store with verified citations, or refuse.

    ``history`` holds previous ``(question, answer text)`` turns; a follow-up question is
    then rewritten into a standalone one first (``Answer.standalone_question``).
    A question of several parts (“哪天签的？由谁揭的牌？”) is answered part by part
    (:func:`agent.qa.question.split_question`). When the first answer is refused or fails
    a check, a second, focused attempt is made over the sentences that meet the question's
    requirements (:mod:`agent.qa.focus`).
    Raises :class:`~agent.core.errors.StoreError` when the store is empty and
    :class:`~agent.core.errors.ModelError` when the model/endpoint fails.
    """
    if not question.strip():
        raise InputError("the question is empty")
    if store.counts()[0] == 0:
        raise StoreError(f"the store at {store.root} is empty: run `agent ingest PATH` first")
    before = llm.usage()
    script = question_script(question)
    standalone: str | None = None
    asked = question
    if history:
        asked = rewrite_question(llm, question, history)
        standalone = asked
    parts = split_question(asked)
    answers: list[Answer] = []
    for part in parts:
        # The later parts ask about what the first part found (“…有多少个项目报名？最后
        # 几个进了决赛？”): they are answered from the articles its answer cited first.
        cited = {c.doc_id for c in answers[0].citations} if answers else set()
        answers.append(_answer_part(store, llm, part, script, k=k, budget=budget,
                                    within=cited))
    answer = answers[0] if len(answers) == 1 else combine_parts(answers)
    return answer.model_copy(update={"question": question, "standalone_question": standalone,
                                     "usage": _usage(llm, before)})


def combine_parts(answers: Sequence[Answer]) -> Answer:
    """One answer to a question of several parts (“哪天签的？由谁揭的牌？”), each answered
    on its own: the parts' answers (and refusals) in order, their citations together;
    answerable when any part is."""
    answered = [a for a in answers if a.answerable]
    if not answered:
        return answers[0].model_copy(update={"answer": "".join(a.answer for a in answers)})
    return Answer(question=answers[0].question, answerable=True,
                  answer="".join(_sentence(a.answer) for a in answers),
                  citations=distinct([c for a in answered for c in a.citations]))


def _answer_part(store: Store, llm: ChatModel, asked: str, script: str, *, k: int,
                 budget: int, within: set[str] | frozenset[str] = frozenset()) -> Answer:
    """Answer one standalone question (retrieval, checks, focused attempt, fallback);
    ``within``: documents to answer from when retrieval finds the question in them."""
    from agent.index.retrieval import CANDIDATES, search
    from agent.qa.focus import candidates

    query = NormalizedText.of(asked)  # normalised once, passed down
    if within:  # one search deep enough for both: the top k are the same ranking's head
        ranked = search(store, query, k=CANDIDATES, mode="hybrid")
        hits = [h for h in ranked if h.chunk.doc_id in within][:k] or ranked[:k]
    else:
        hits = search(store, query, k=k, mode="hybrid")
    reason = evidence_gate(query, hits)
    if reason is not None:
        return _refuse(asked, script, reason)
    sources = build_context(store, hits, query, budget=budget)
    if not sources:
        return _refuse(asked, script, "检索到的资料中没有相关句子")
    spec = QuestionSpec(query)
    docs = {s.doc.doc_id: s.doc for s in sources}
    # A specific question (a role, a unit, a date, an office…): when code finds the one
    # sentence that meets all it asks, the model reads it first. The prompt's new part
    # shrinks from ~290 to ~60 tokens (~5 s less on two cores); on the development
    # questions that sentence held the answer of every such question. Two sentences that
    # qualify alike (“高职院校7所” and “3所高职获批…” for “高职院校有几所”) are read in
    # their context instead: alone side by side, the small model took the wrong one.
    cands = candidates(store, hits, spec, docs) if spec.specific else []
    focus = focused_sources(cands)
    focus = focus if len(focus) == 1 else []
    tried: list[list[Source]] = []
    result: tuple[Answer, str] | str = ""
    if focus:
        tried.append(focus)
        result = _attempt(llm, asked, spec, focus, script)
        if isinstance(result, str):
            log.info("focused first attempt failed: %s", result or "refused")
    if isinstance(result, str):
        tried.append(sources)
        result = _attempt(llm, asked, spec, sources, script)
        unbound = not isinstance(result, str) and not counted_binding(
            spec, "\n".join(c.quote for c in result[0].citations))
        if isinstance(result, str) or unbound:
            if not spec.specific:  # a specific question's candidates are already known
                cands = candidates(store, hits, spec, docs)
            # unbound: a count answered by a quote that does not tie its number to the
            # counted phrase (“3所高职获批…” for “高职院校有几所”; “培训基地73个” quoted
            # from a sentence that goes on “…技能大师工作室170个” for “有几个技能大师工作
            # 室”) while a sentence does.
            focus = focused_sources(cands, bound_only=unbound)
            if focus and all([s.spans for s in focus] != [s.spans for s in t] for t in tried):
                log.info("focused attempt over %d sentence(s) (first: %s)", len(focus),
                         result if isinstance(result, str) else "unbound count")
                second = _attempt(llm, asked, spec, focus, script)
                if isinstance(second, str):
                    log.info("focused attempt failed too: %s", second)
                else:
                    result = second
    if not isinstance(result, str) and store.settings.support_check and not code_decides(spec):
        result = _supported(store, llm, asked, spec, hits, query, result, script,
                            budget=budget)
    if isinstance(result, str):
        extracted = extractive_answer(spec, cands, script)
        if extracted is None:
            return _refuse(asked, script, result)
        log.info("extractive answer after two failed attempts (%s)", result)
        return extracted
    return result[0]


def _cited_ranges(store: Store, answer: Answer) -> set[tuple[str, int, int]]:
    """(document id, cleaned start, end) of every citation of ``answer``."""
    out: set[tuple[str, int, int]] = set()
    for c in answer.citations:
        doc = store.load_document(c.doc_id)
        out.add((c.doc_id, doc.cleaned_index(c.start), doc.cleaned_index(c.end)))
    return out


def _supported(store: Store, llm: ChatModel, asked: str, spec: QuestionSpec,
               hits: Sequence[Any], query: NormalizedText, result: tuple[Answer, str],
               script: str, *, budget: int) -> tuple[Answer, str] | str:
    """``result`` when the model reads its cited sentences as answering the question
    (:mod:`agent.qa.support`); else one more attempt over the context without those
    sentences (the answer is often a sentence further on in the same chunk), checked the
    same way; else why there is no answer."""
    from agent.qa.support import supports

    if supports(llm, asked, result[1]):
        return result
    log.info("support check: the cited sentences do not answer %r; retrying without them",
             asked)
    sources = build_context(store, hits, query, budget=budget,
                            exclude=_cited_ranges(store, result[0]))
    retry = _attempt(llm, asked, spec, sources, script) if sources else "没有其他相关句子"
    if not isinstance(retry, str) and supports(llm, asked, retry[1]):
        return retry
    return "引用的原文没有回答这个问题"


def answer_json(answer: Answer, *, chat: bool = False,
                model: str | None = None) -> dict[str, Any]:
    """The ``ask --json`` shape (plus ``standalone_question`` in chat); ``usage`` is what
    this answer cost (``model`` names the model that answered)."""
    out: dict[str, Any] = {"question": answer.question}
    if chat:
        out["standalone_question"] = answer.standalone_question or answer.question
    out.update({
        "answer": answer.answer,
        "answerable": answer.answerable,
        "citations": [c.as_json() for c in answer.citations],
        "usage": ({"model": model} if model else {}) | answer.usage,
    })
    return out
