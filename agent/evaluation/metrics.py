"""Evaluation metrics: pure functions over gold data and predicted models.

Matching rules (documented in ``evals/README.md``):

* Names are compared after :func:`normalise_name` (NFKC, pinyin glue removed, OpenCC
  t2s, lower-case, punctuation/whitespace removed, spun-reprint synonyms mapped).
* Events / alliances: a predicted item matches a gold item when any predicted surface
  form (name or alias) and any gold surface form (name or alias) are equal, or one
  contains the other (shorter side at least :data:`MIN_CONTAIN_LEN` characters), or
  their character-bigram Jaccard is at least :data:`BIGRAM_JACCARD_THRESHOLD`.
* Targets: same value (relative tolerance :data:`VALUE_REL_TOL`), same normalised unit
  (gold unit ``None`` = not checked; ``unit_implicit`` also accepts a missing predicted
  unit) and, when the gold has one, the same ``deadline_year``.
* Pairs are assigned greedily one-to-one by descending score within each document.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any, Protocol

from agent import lexicon
from agent.evaluation.gold import (
    ExtractionGold,
    GoldAlliance,
    GoldDocument,
    GoldEvent,
    GoldTarget,
    KeyFact,
    NameAlternatives,
    QAGold,
    QAItem,
)
from agent.extract.schemas import Alliance, DocumentExtraction, Event, Target
from agent.qa.schemas import Answer, Citation, distinct
from agent.text.dates import parse_iso
from agent.text.normalize import fold as normalise_text
from agent.text.similarity import bigram_jaccard

#: Character-bigram Jaccard needed for a fuzzy name match.
BIGRAM_JACCARD_THRESHOLD = 0.6
#: Shorter side of a containment match must have at least this many characters.
MIN_CONTAIN_LEN = 4
#: Same for entity fields (lead, members, organizers, location): shorter names.
MIN_CONTAIN_LEN_FIELD = 3
#: Relative tolerance for target values.
VALUE_REL_TOL = 1e-6

# Word tables live in agent/lexicon/evaluation.toml (read in file order).

#: Units that denote the same thing (after t2s and lower-casing).
UNIT_EQUIVALENTS: dict[str, str] = dict(lexicon.table("evaluation", "unit_equivalents"))

# --------------------------------------------------------------------------- normalisation


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """Canonical form of an entity/event name for matching.

    NFKC (full width → half width), pinyin glue such as ``(yè)`` removed, OpenCC t2s,
    lower-case, every punctuation and whitespace character removed (quotes, brackets,
    《》, 、 …).
    """
    s = normalise_text(name)
    return "".join(ch for ch in s if not unicodedata.category(ch).startswith(("P", "Z", "C")))


def normalise_unit(unit: str | None) -> str | None:
    """``None``/empty → ``None``; 元/人民币 → ``CNY``; 名/位 → 人; traditional → simplified."""
    if unit is None:
        return None
    s = normalise_name(unit)
    if not s:
        return None
    # looked up as written first: normalising drops the hyphen of "person-times"
    return UNIT_EQUIVALENTS.get(unit.strip().lower(), UNIT_EQUIVALENTS.get(s, s))


def default_doc_key(ref: str) -> str:
    """Document identity used to line up predictions with gold: the file stem.

    ``seeds/000_85e3.txt``, ``000_85e3.txt`` and ``000_85e3`` all give ``000_85e3``.
    """
    name = PurePath(ref.replace("\\", "/")).name
    return name.rsplit(".", 1)[0] if "." in name else name


DocKey = Callable[[str], str]


# --------------------------------------------------------------------------- similarity


def name_score(
    predicted: Sequence[str],
    gold: Sequence[str],
    *,
    min_contain: int = MIN_CONTAIN_LEN,
    threshold: float = BIGRAM_JACCARD_THRESHOLD,
) -> float:
    """Best match score between two sets of surface forms; 0 when they do not match.

    3 = equal; (2, 3) = containment (2 + shorter/longer); [1 + threshold, 2] = fuzzy
    bigram match (1 + Jaccard).
    """
    best = 0.0
    golds = [g for g in (normalise_name(x) for x in gold) if g]
    for p_raw in predicted:
        p = normalise_name(p_raw)
        if not p:
            continue
        for g in golds:
            if p == g:
                return 3.0
            short, long = (p, g) if len(p) <= len(g) else (g, p)
            if len(short) >= min_contain and short in long:
                best = max(best, 2.0 + len(short) / len(long))
                continue
            j = bigram_jaccard(p, g)
            if j >= threshold:
                best = max(best, 1.0 + j)
    return best


def names_match(predicted: str | Sequence[str], gold: NameAlternatives | Sequence[str]) -> bool:
    """Entity-field match (lead, member, organizer, location) with the field rules."""
    preds = [predicted] if isinstance(predicted, str) else list(predicted)
    golds = [gold] if isinstance(gold, str) else list(gold)
    return name_score(preds, golds, min_contain=MIN_CONTAIN_LEN_FIELD) > 0


def alternatives_recall(predicted: Sequence[str], gold: Sequence[NameAlternatives]) -> float:
    """Share of gold entities (each a name or list of alternatives) found among predicted."""
    if not gold:
        return 1.0
    found = sum(1 for g in gold if any(names_match(p, g) for p in predicted))
    return found / len(gold)


# --------------------------------------------------------------------------- dates


def date_correct(predicted: str | None, gold: str | None) -> bool:
    """A predicted date is correct when it states every component the gold date states,
    each equal: a reader acts on the year too, so ``--06-12`` is wrong for ``2023-06-12``
    (the gold resolves the year from the text or the publication date). A more precise
    prediction than the gold (``2023-05-11`` for ``2023``) is right."""
    if gold is None:
        return True
    if predicted is None:
        return False
    p, g = parse_iso(predicted), parse_iso(gold)
    if p is None or g is None:
        return False
    return all(gv is None or pv == gv for pv, gv in zip(p, g, strict=True))


# --------------------------------------------------------------------------- matching


def greedy_match(
    n_pred: int, n_gold: int, score: Callable[[int, int], float]
) -> list[tuple[int, int, float]]:
    """One-to-one assignment: all pairs with score > 0, best first (ties: lower indices)."""
    pairs = []
    for i in range(n_pred):
        for j in range(n_gold):
            s = score(i, j)
            if s > 0:
                pairs.append((-s, i, j))
    pairs.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    out: list[tuple[int, int, float]] = []
    for neg, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j, -neg))
    return out


def event_score(pred: Event, gold: GoldEvent) -> float:
    return name_score([pred.name, *pred.aliases], [gold.name, *gold.aliases])


def alliance_score(pred: Alliance, gold: GoldAlliance) -> float:
    return name_score([pred.name, *pred.aliases], [gold.name, *gold.aliases])


def values_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=VALUE_REL_TOL, abs_tol=1e-9)


def units_match(pred: str | None, gold: GoldTarget) -> bool:
    g = normalise_unit(gold.unit)
    if g is None:
        return True
    p = normalise_unit(pred)
    if p is None:
        return gold.unit_implicit
    return p == g


def target_matches(pred: Target, gold: GoldTarget) -> bool:
    if not values_equal(pred.value, gold.value):
        return False
    if not units_match(pred.unit, gold):
        return False
    return gold.deadline_year is None or pred.deadline_year == gold.deadline_year


def target_score(pred: Target, gold: GoldTarget) -> float:
    """1 + tie-breaker in [0, 1) from description similarity; 0 when not matching."""
    if not target_matches(pred, gold):
        return 0.0
    p = normalise_name(f"{pred.description}{pred.metric}{pred.amount_text}")
    g = normalise_name(f"{gold.description}{gold.amount_text}")
    tie = 0.5 * bigram_jaccard(p, g)
    if normalise_name(pred.amount_text or "") == normalise_name(gold.amount_text):
        tie += 0.25
    if (pred.qualifier or None) == (gold.qualifier or None):
        tie += 0.2
    # Figures of one clause with one value ("其中高级技师2人、技师1人、工程师2人"): the one
    # that names the same thing is the match.
    if gold.metric and names_match(pred.metric, [gold.metric]):
        tie += 0.04
    return 1.0 + tie


def match_events(pred: Sequence[Event], gold: Sequence[GoldEvent]) -> list[tuple[int, int, float]]:
    return greedy_match(len(pred), len(gold), lambda i, j: event_score(pred[i], gold[j]))


def match_alliances(
    pred: Sequence[Alliance], gold: Sequence[GoldAlliance]
) -> list[tuple[int, int, float]]:
    return greedy_match(len(pred), len(gold), lambda i, j: alliance_score(pred[i], gold[j]))


def match_targets(
    pred: Sequence[Target], gold: Sequence[GoldTarget]
) -> list[tuple[int, int, float]]:
    return greedy_match(len(pred), len(gold), lambda i, j: target_score(pred[i], gold[j]))


# --------------------------------------------------------------------------- extraction


class ItemsLike(Protocol):
    """Anything with ``events``/``alliances``/``targets`` (DocumentExtraction, MergedItems)."""

    @property
    def events(self) -> Sequence[Event]: ...

    @property
    def alliances(self) -> Sequence[Alliance]: ...

    @property
    def targets(self) -> Sequence[Target]: ...


ITEM_TYPES = ("event", "alliance", "target")


@dataclass
class PRF:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0
    tp_core: int = 0
    n_gold_core: int = 0

    @property
    def precision(self) -> float:
        if self.n_pred == 0:
            return 1.0 if self.n_gold == 0 else 0.0
        return self.tp / self.n_pred

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 1.0

    @property
    def recall_core(self) -> float:
        return self.tp_core / self.n_gold_core if self.n_gold_core else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold
        self.tp_core += other.tp_core
        self.n_gold_core += other.n_gold_core


@dataclass
class FieldScore:
    total: float = 0.0
    n: int = 0

    def add(self, value: float) -> None:
        self.total += value
        self.n += 1

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else float("nan")


@dataclass
class ExtractionReport:
    counts: dict[str, PRF] = field(default_factory=lambda: {t: PRF() for t in ITEM_TYPES})
    fields: dict[str, FieldScore] = field(default_factory=dict)
    #: (doc file, item type, gold label) of gold items nobody matched
    missed: list[tuple[str, str, str]] = field(default_factory=list)
    #: (doc file, item type, predicted label) of predictions matching no gold item
    spurious: list[tuple[str, str, str]] = field(default_factory=list)
    unscored_documents: list[str] = field(default_factory=list)
    #: predictions in gold documents marked ``relevant: false`` (about another topic)
    offtopic_items: int = 0
    documents: int = 0

    def field(self, name: str) -> FieldScore:
        return self.fields.setdefault(name, FieldScore())

    def metrics(self) -> dict[str, float]:
        """Flat metric dict (keys as used in ``evals/thresholds.toml``)."""
        out: dict[str, float] = {}
        total = PRF()
        for t, c in self.counts.items():
            total.add(c)
            out[f"extraction.precision.{t}"] = c.precision
            out[f"extraction.recall.{t}"] = c.recall
            out[f"extraction.recall_core.{t}"] = c.recall_core
            out[f"extraction.f1.{t}"] = c.f1
        out["extraction.precision.all"] = total.precision
        out["extraction.recall.all"] = total.recall
        out["extraction.recall_core.all"] = total.recall_core
        out["extraction.f1.all"] = total.f1
        out["extraction.offtopic_items"] = float(self.offtopic_items)
        if self.documents:
            out["extraction.items_per_document"] = total.n_pred / self.documents
        for name, fs in sorted(self.fields.items()):
            if fs.n:
                out[f"extraction.field.{name}"] = fs.mean
        return out


def group_predictions(
    predictions: Mapping[str, ItemsLike] | Iterable[DocumentExtraction],
    doc_key: DocKey = default_doc_key,
) -> dict[str, ItemsLike]:
    """Predictions keyed by document key. A mapping is keyed by file name / path / doc id;
    a sequence of ``DocumentExtraction`` is keyed by its ``path`` (falling back to
    ``doc_id``). Several entries for one document are concatenated."""
    grouped: dict[str, _Bucket] = {}
    pairs: Iterable[tuple[str, ItemsLike]]
    if isinstance(predictions, Mapping):
        pairs = predictions.items()
    else:
        pairs = ((d.path or d.doc_id, d) for d in predictions)
    for ref, items in pairs:
        bucket = grouped.setdefault(doc_key(ref), _Bucket())
        bucket.events.extend(items.events)
        bucket.alliances.extend(items.alliances)
        bucket.targets.extend(items.targets)
    return dict(grouped)


@dataclass
class _Bucket:
    events: list[Event] = field(default_factory=list)
    alliances: list[Alliance] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def _score_fields_event(report: ExtractionReport, pred: Event, gold: GoldEvent) -> None:
    report.field("event.type").add(
        float(normalise_name(pred.event_type) == normalise_name(gold.event_type))
    )
    if gold.date is not None:
        report.field("event.date").add(float(date_correct(pred.date, gold.date)))
    if gold.location is not None:
        ok = pred.location is not None and names_match(pred.location, gold.location)
        report.field("event.location").add(float(ok))
    if gold.organizers:
        report.field("event.organizers_recall").add(
            alternatives_recall(pred.organizers, gold.organizers)
        )
    if gold.hosts:
        report.field("event.hosts_recall").add(alternatives_recall(pred.hosts, gold.hosts))


def _score_fields_alliance(report: ExtractionReport, pred: Alliance, gold: GoldAlliance) -> None:
    report.field("alliance.kind").add(float(pred.kind == gold.kind))
    if gold.lead is not None:
        ok = pred.lead is not None and names_match(pred.lead, [gold.lead, *gold.lead_aliases])
        report.field("alliance.lead").add(float(ok))
    if gold.members:
        report.field("alliance.members_recall").add(alternatives_recall(pred.members, gold.members))
    if gold.founded is not None:
        report.field("alliance.founded").add(float(date_correct(pred.founded, gold.founded)))


def _score_fields_target(report: ExtractionReport, pred: Target, gold: GoldTarget) -> None:
    report.field("target.value").add(float(values_equal(pred.value, gold.value)))
    report.field("target.deadline_year").add(float(pred.deadline_year == gold.deadline_year))
    p_q = normalise_name(pred.qualifier or "") or None
    g_q = normalise_name(gold.qualifier or "") or None
    report.field("target.qualifier").add(float(p_q == g_q))
    report.field("target.status").add(float(pred.status == gold.status))
    if gold.metric:  # the thing counted, named as a reader would ("省级工匠实验室")
        report.field("target.metric").add(float(names_match(pred.metric, [gold.metric])))


def _label(item: Event | Alliance | Target | GoldEvent | GoldAlliance | GoldTarget) -> str:
    if isinstance(item, Target | GoldTarget):
        return f"{item.description} ({item.amount_text})"
    return item.name


def _evaluate_document(report: ExtractionReport, gold: GoldDocument, pred: ItemsLike) -> None:
    def run(
        kind: str,
        preds: Sequence[Any],
        golds: Sequence[Any],
        matcher: Callable[[Sequence[Any], Sequence[Any]], list[tuple[int, int, float]]],
        scorer: Callable[[ExtractionReport, Any, Any], None],
    ) -> None:
        pairs = matcher(preds, golds)
        c = report.counts[kind]
        c.n_pred += len(preds)
        c.n_gold += len(golds)
        c.n_gold_core += sum(1 for g in golds if not g.minor)
        c.tp += len(pairs)
        c.tp_core += sum(1 for _, j, _ in pairs if not golds[j].minor)
        matched_p = {i for i, _, _ in pairs}
        matched_g = {j for _, j, _ in pairs}
        for i, j, _ in pairs:
            scorer(report, preds[i], golds[j])
        report.missed.extend(
            (gold.file, kind, _label(g)) for j, g in enumerate(golds) if j not in matched_g
        )
        report.spurious.extend(
            (gold.file, kind, _label(p)) for i, p in enumerate(preds) if i not in matched_p
        )

    report.documents += 1
    if not gold.relevant:
        report.offtopic_items += len(pred.events) + len(pred.alliances) + len(pred.targets)
    run("event", list(pred.events), gold.events, match_events, _score_fields_event)
    run("alliance", list(pred.alliances), gold.alliances, match_alliances, _score_fields_alliance)
    run("target", list(pred.targets), gold.targets, match_targets, _score_fields_target)


def evaluate_extraction(
    gold: ExtractionGold,
    predictions: Mapping[str, ItemsLike] | Iterable[DocumentExtraction],
    *,
    doc_key: DocKey = default_doc_key,
) -> ExtractionReport:
    """Score predictions per gold document (micro-averaged over documents).

    A gold document without predictions counts all its items as missed; predictions for
    documents absent from the gold are ignored (listed in ``unscored_documents``).
    """
    grouped = group_predictions(predictions, doc_key)
    report = ExtractionReport()
    gold_keys = {doc_key(d.file) for d in gold.documents}
    report.unscored_documents = sorted(k for k in grouped if k not in gold_keys)
    for doc in gold.documents:
        _evaluate_document(report, doc, grouped.get(doc_key(doc.file), _Bucket()))
    return report


def extraction_metrics(
    gold: ExtractionGold,
    predictions: Mapping[str, ItemsLike] | Iterable[DocumentExtraction],
    *,
    doc_key: DocKey = default_doc_key,
) -> dict[str, float]:
    return evaluate_extraction(gold, predictions, doc_key=doc_key).metrics()


# --------------------------------------------------------------------------- evidence


def _lookup_original(doc_id: str, originals: Mapping[str, str], doc_key: DocKey) -> str | None:
    if doc_id in originals:
        return originals[doc_id]
    key = doc_key(doc_id)
    for ref, text in originals.items():
        if doc_key(ref) == key:
            return text
    return None


def evidence_validity(
    items: Iterable[Event | Alliance | Target],
    originals: Mapping[str, str],
    *,
    doc_key: DocKey = default_doc_key,
) -> float:
    """Share of predicted evidence spans with ``original[start:end] == quote`` (non-empty).

    ``originals`` maps doc id (or file name/path, compared via ``doc_key``) to the
    original document text. An item without any evidence counts as one invalid span;
    unknown documents are invalid. No items at all → 1.0.
    """
    valid = total = 0
    for item in items:
        if not item.evidence:
            total += 1
            continue
        for ev in item.evidence:
            total += 1
            text = _lookup_original(ev.doc_id, originals, doc_key)
            if (
                text is not None
                and ev.quote
                and 0 <= ev.start < ev.end <= len(text)
                and text[ev.start : ev.end] == ev.quote
            ):
                valid += 1
    return valid / total if total else 1.0


def all_items(predictions: Mapping[str, ItemsLike] | Iterable[ItemsLike]) -> list[Any]:
    """Flatten events, alliances and targets of grouped predictions."""
    groups = predictions.values() if isinstance(predictions, Mapping) else predictions
    out: list[Event | Alliance | Target] = []
    for g in groups:
        out.extend(g.events)
        out.extend(g.alliances)
        out.extend(g.targets)
    return out


# --------------------------------------------------------------------------- QA


def fact_present(text_norm: str, fact: KeyFact) -> bool:
    """``text_norm`` must already be :func:`normalise_text`-ed."""
    alternatives = [fact] if isinstance(fact, str) else fact
    return any(normalise_text(a) in text_norm for a in alternatives if a)


def answer_text(answer: Answer) -> str:
    """What a reader is shown: the answer and its cited quotes, normalised for key-fact
    search."""
    return normalise_text(" ".join([answer.answer, *(c.shown for c in answer.citations)]))


def answer_citations(answer: Answer) -> list[Citation]:
    """The answer's citations (distinct spans)."""
    return distinct(answer.citations)


def citation_doc_matches(citation: Citation, file: str, doc_key: DocKey = default_doc_key) -> bool:
    """A citation points at gold document ``file`` when its path or doc id has its key."""
    key = doc_key(file)
    return any(ref and doc_key(ref) == key for ref in (citation.path, citation.doc_id))


def answer_is_correct(answer: Answer | None, item: QAItem) -> bool:
    """Answerable gold item: the system answered and every key fact is present."""
    if answer is None or not answer.answerable:
        return False
    text = answer_text(answer)
    return all(fact_present(text, f) for f in item.key_facts)


def citation_supports(citation: Citation, item: QAItem, doc_key: DocKey = default_doc_key) -> bool:
    if any(citation_doc_matches(citation, f, doc_key) for f in item.documents):
        return True
    quote = normalise_text(citation.quote)
    return any(fact_present(quote, f) for f in item.key_facts)


def is_correct_refusal(answer: Answer | None) -> bool:
    return answer is not None and not answer.answerable and not answer_citations(answer)


def _find_answer(answers: Mapping[str, Answer], item: QAItem) -> Answer | None:
    return answers.get(item.id) or answers.get(item.question)


@dataclass
class QAReport:
    per_item: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def evaluate_qa(
    gold: QAGold | Sequence[QAItem],
    answers: Mapping[str, Answer],
    *,
    doc_key: DocKey = default_doc_key,
) -> QAReport:
    """QA metrics. ``answers`` is keyed by gold item id (or by the question text).

    * ``qa.answer_accuracy`` – answerable items answered with every key fact present.
    * ``qa.citation_precision`` – over citations given for answerable items: share that
      cite a supporting document or whose quote contains a key fact.
    * ``qa.citation_recall`` – answerable items citing at least one supporting document.
    * ``qa.refusal_accuracy`` – unanswerable items with ``answerable=False`` and no citations.
    * ``qa.false_refusal_rate`` – answerable items answered ``answerable=False`` (or missing).
    """
    items = gold.items if isinstance(gold, QAGold) else list(gold)
    report = QAReport()
    correct = cited_ok = refused_ok = false_refusals = 0
    n_cit = n_cit_ok = 0
    answerable = [i for i in items if i.answerable]
    unanswerable = [i for i in items if not i.answerable]
    for item in answerable:
        ans = _find_answer(answers, item)
        ok = answer_is_correct(ans, item)
        cits = answer_citations(ans) if ans is not None else []
        supporting = [c for c in cits if citation_supports(c, item, doc_key)]
        has_gold_doc = any(
            citation_doc_matches(c, f, doc_key) for c in cits for f in item.documents
        )
        refused = ans is None or not ans.answerable
        correct += ok
        cited_ok += has_gold_doc
        false_refusals += refused
        n_cit += len(cits)
        n_cit_ok += len(supporting)
        report.per_item[item.id] = {
            "correct": ok,
            "gold_doc_cited": has_gold_doc,
            "citations": len(cits),
            "supporting_citations": len(supporting),
            "refused": refused,
        }
    for item in unanswerable:
        ans = _find_answer(answers, item)
        ok = is_correct_refusal(ans)
        refused_ok += ok
        report.per_item[item.id] = {"correct_refusal": ok}
    m = report.metrics
    if answerable:
        m["qa.answer_accuracy"] = correct / len(answerable)
        m["qa.citation_recall"] = cited_ok / len(answerable)
        m["qa.false_refusal_rate"] = false_refusals / len(answerable)
        m["qa.citation_precision"] = n_cit_ok / n_cit if n_cit else 0.0
    if unanswerable:
        m["qa.refusal_accuracy"] = refused_ok / len(unanswerable)
    return report


def qa_metrics(
    gold: QAGold | Sequence[QAItem],
    answers: Mapping[str, Answer],
    *,
    doc_key: DocKey = default_doc_key,
) -> dict[str, float]:
    return evaluate_qa(gold, answers, doc_key=doc_key).metrics


# --------------------------------------------------------------------------- retrieval


def _dedupe_keys(ranked: Sequence[str], doc_key: DocKey) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for ref in ranked:
        k = doc_key(ref)
        if k not in seen:
            seen.add(k)
            out.append(k)
    return out


def hit_at_k(
    ranked: Sequence[str], relevant: Iterable[str], k: int, doc_key: DocKey = default_doc_key
) -> float:
    """1.0 when a relevant document is among the first ``k`` distinct ranked documents."""
    rel = {doc_key(r) for r in relevant}
    return float(any(d in rel for d in _dedupe_keys(ranked, doc_key)[:k]))


def reciprocal_rank(
    ranked: Sequence[str], relevant: Iterable[str], doc_key: DocKey = default_doc_key
) -> float:
    rel = {doc_key(r) for r in relevant}
    for rank, d in enumerate(_dedupe_keys(ranked, doc_key), start=1):
        if d in rel:
            return 1.0 / rank
    return 0.0


def retrieval_metrics(
    gold: QAGold | Sequence[QAItem],
    rankings: Mapping[str, Sequence[str]],
    *,
    ks: Sequence[int] = (1, 3, 5),
    doc_key: DocKey = default_doc_key,
) -> dict[str, float]:
    """hit@k and MRR over answerable items; ``rankings`` maps item id (or question) to the
    ranked document refs (doc ids / paths / file names; repeated documents — e.g. several
    chunks — count once). A missing ranking scores 0."""
    items = gold.items if isinstance(gold, QAGold) else list(gold)
    scored = [i for i in items if i.answerable and i.documents]
    if not scored:
        return {}
    hits = dict.fromkeys(ks, 0.0)
    rr = 0.0
    for item in scored:
        ranked = rankings.get(item.id) or rankings.get(item.question) or []
        for k in ks:
            hits[k] += hit_at_k(ranked, item.documents, k, doc_key)
        rr += reciprocal_rank(ranked, item.documents, doc_key)
    out = {f"retrieval.hit@{k}": v / len(scored) for k, v in hits.items()}
    out["retrieval.mrr"] = rr / len(scored)
    return out
