"""Merge duplicate events, alliances and targets within and across documents.

Deduplication is done by code, on canonical keys (:func:`agent.extract.aliases.canonical_name`:
script, width, punctuation, abbreviations and spun synonyms folded).

Name rule (:func:`resolve`, used for alliances and events), on canonical names ``ca``,
``cb``:

1. equal → same;
2. different organisation/event suffix (联盟 vs 集团, 共同体 vs 联合体, 大会 vs 仪式 …)
   → different;
3. one contained in the other → same iff the shorter has ≥ :data:`MIN_CONTAINED_CHARS`
   chars and still ≥ :data:`MIN_DISTINCTIVE_CHARS` chars once generic vocabulary
   (:data:`GENERIC_TERMS`: 产教融合, 职业教育, 共同体 …) is removed — so the bare
   "产教融合共同体" never absorbs "对俄经贸产教融合共同体";
4. after removing the common prefix and suffix, if *both* names keep a differing middle
   and either middle has ≥ 2 chars or contains a digit/numeral → different (a distinctive
   segment was substituted: 对俄经贸 vs 冰雪体育, 2023 vs 2024);
5. char-bigram Jaccard ≥ :data:`JACCARD_MERGE` → same;
6. :data:`JACCARD_BORDERLINE` ≤ Jaccard < :data:`JACCARD_MERGE` → ask ``confirm(a, b)``
   (e.g. an LLM) when given, else different.

Before these, a name that is the other without a quoted insert is the same when it stays
distinctive ("长沙智能制造产业学院" written later for "长沙“湘智造”智能制造产业学院").

Events additionally need compatible dates (no conflicting year/month/day), and a
programme is not the issuing of the notice that launched it (:func:`launched_by`). Targets merge
when value, unit and deadline year are equal and the metrics are similar (equal or
contained canonical metric, or bigram Jaccard ≥ :data:`METRIC_JACCARD`).

Merging unions evidence (by ``(doc_id, start, end)``), doc_ids and member/organiser lists
(by canonical name, keeping the longest surface form), keeps the longest field values,
takes the display name from the item with the most evidence and records the other
surface names in ``aliases``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

from agent import lexicon
from agent.extract.aliases import canonical_name
from agent.extract.schemas import Alliance, DocumentExtraction, Event, Evidence, MergedItems, Target
from agent.text.dates import compatible, merge_partial
from agent.text.similarity import bigram_jaccard

JACCARD_MERGE = 0.8
"""Char-bigram Jaccard of canonical names at or above which two names are merged."""

JACCARD_BORDERLINE = 0.5
"""Lower bound of the borderline band sent to the ``confirm`` hook."""

MIN_CONTAINED_CHARS = 6
"""Containment merges only when the shorter canonical name has at least this many chars."""

MIN_DISTINCTIVE_CHARS = 2
"""…and keeps at least this many chars after removing :data:`GENERIC_TERMS`."""

METRIC_JACCARD = 0.5
"""Bigram Jaccard of canonical metrics at or above which targets count as the same."""

GENERIC_TERMS = lexicon.words("merge", "generic_terms")
KIND_SUFFIXES = lexicon.words("merge", "kind_suffixes")

_NUMERALS = re.compile(r"[0-9一二三四五六七八九十百千万零〇两]")
_KIND_SUFFIXES_SORTED = sorted(KIND_SUFFIXES, key=len, reverse=True)
_GENERIC_RE = re.compile(
    "|".join(re.escape(t) for t in sorted(GENERIC_TERMS, key=len, reverse=True))
)

Confirm = Callable[[str, str], bool]
Item = TypeVar("Item", Event, Alliance, Target)


# --------------------------------------------------------------------------- name rules


def _suffix(key: str) -> str:
    for s in _KIND_SUFFIXES_SORTED:
        if key.endswith(s):
            return s
    return ""


def _distinctive(key: str) -> str:
    """What is left of a canonical name once generic vocabulary is removed."""
    return _GENERIC_RE.sub("", key)


def _middles(a: str, b: str) -> tuple[str, str]:
    """The differing middles of ``a`` and ``b`` after their common prefix and suffix."""
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[-1 - s] == b[-1 - s]:
        s += 1
    return a[p : len(a) - s], b[p : len(b) - s]


def _resolve_keys(ca: str, cb: str) -> bool | None:
    """Rules 1–5 on canonical keys: True/False, or None for the borderline band."""
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    if _suffix(ca) != _suffix(cb):
        return False
    short, long = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
    if short in long:
        return (
            len(short) >= MIN_CONTAINED_CHARS
            and len(_distinctive(short)) >= MIN_DISTINCTIVE_CHARS
        )
    ma, mb = _middles(ca, cb)
    if ma and mb and (max(len(ma), len(mb)) >= 2 or _NUMERALS.search(ma + mb)):
        return False
    j = bigram_jaccard(ca, cb)
    if j >= JACCARD_MERGE:
        return True
    if j >= JACCARD_BORDERLINE:
        return None
    return False


_QUOTED = re.compile(r"“[^“”]{1,20}”|\"[^\"]{1,20}\"")


def _without_quoted(a: str, b: str) -> bool:
    """Whether one name is the other without a quoted insert ("长沙“湘智造”智能制造产业
    学院" written later as "长沙智能制造产业学院") and still distinctive."""
    for full, short in ((a, b), (b, a)):
        cs = canonical_name(short)
        if (_QUOTED.search(full) and canonical_name(_QUOTED.sub("", full)) == cs
                and len(_distinctive(cs)) >= MIN_DISTINCTIVE_CHARS):
            return True
    return False


def resolve(a: str, b: str, *, confirm: Confirm | None = None) -> bool:
    """Whether names ``a`` and ``b`` denote the same alliance/event (see module doc)."""
    if _without_quoted(a, b):
        return True
    verdict = _resolve_keys(canonical_name(a), canonical_name(b))
    if verdict is None:
        return bool(confirm(a, b)) if confirm is not None else False
    return verdict


def _memo_confirm(confirm: Confirm | None) -> Confirm | None:
    if confirm is None:
        return None
    seen: dict[tuple[str, str], bool] = {}

    def ask(a: str, b: str) -> bool:
        key = (canonical_name(a), canonical_name(b))
        rev = (key[1], key[0])
        if key in seen:
            return seen[key]
        if rev in seen:
            return seen[rev]
        seen[key] = bool(confirm(a, b))
        return seen[key]

    return ask


# --------------------------------------------------------------------------- dates


# --------------------------------------------------------------------------- field merging


def _union_evidence(groups: Iterable[list[Evidence]]) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set[tuple[str, int, int]] = set()
    for group in groups:
        for ev in group:
            key = (ev.doc_id, ev.start, ev.end)
            if key not in seen:
                seen.add(key)
                out.append(ev)
    return out


def _union_strings(groups: Iterable[Iterable[str]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for s in group:
            if s and s not in seen:
                seen.add(s)
                out.append(s)
    return out


def _union_names(groups: Iterable[Iterable[str]]) -> list[str]:
    """Union by canonical name, first-seen order, keeping the longest surface form."""
    best: dict[str, str] = {}
    for group in groups:
        for name in group:
            if not name or not name.strip():
                continue
            key = canonical_name(name) or name.strip()
            cur = best.get(key)
            if cur is None or len(name.strip()) > len(cur):
                best[key] = name.strip()
    return list(best.values())


def _longest(values: Iterable[str | None]) -> str | None:
    best: str | None = None
    for v in values:
        if v and v.strip() and (best is None or len(v.strip()) > len(best)):
            best = v.strip()
    return best


def _doc_ids(item: Event | Alliance | Target) -> list[str]:
    return _union_strings([item.doc_ids, [e.doc_id for e in item.evidence]])


def _primary_index(items: Sequence[Event | Alliance | Target]) -> int:
    """Item with the most evidence (ties: longer name/description, then earlier)."""

    def score(i: int) -> tuple[int, int, int]:
        it = items[i]
        text = it.description if isinstance(it, Target) else it.name
        return (len(it.evidence), len(text), -i)

    return max(range(len(items)), key=score)


def _surface_names(items: Sequence[Event | Alliance], display: str) -> list[str]:
    names = _union_strings([[it.name, *it.aliases] for it in items])
    return [n for n in names if n != display]


def _merge_alliances(items: Sequence[Alliance]) -> Alliance:
    primary = items[_primary_index(items)]
    leads = [it.lead for it in items if it.lead]
    lead: str | None = None
    if leads:
        anchor = canonical_name(primary.lead) if primary.lead else None
        pool = [x for x in leads if anchor is None or canonical_name(x) == anchor]
        lead = _longest(pool) or primary.lead
    kind = primary.kind
    if kind == "其他":
        kind = next((it.kind for it in items if it.kind != "其他"), kind)
    return Alliance(
        name=primary.name,
        kind=kind,
        members=_union_names(it.members for it in items),
        lead=lead,
        founded=_longest(it.founded for it in items),
        **_provenance(items, primary.name),
    )


def _provenance(items: Sequence[Event] | Sequence[Alliance], name: str) -> dict[str, Any]:
    """Evidence, documents and other surface names of a merged event or alliance."""
    return {
        "evidence": _union_evidence(it.evidence for it in items),
        "doc_ids": _union_strings(_doc_ids(it) for it in items),
        "aliases": _surface_names(items, name),
    }


def _merge_events(items: Sequence[Event]) -> Event:
    primary = items[_primary_index(items)]
    event_type = primary.event_type
    if not event_type or event_type == "其他":
        event_type = next(
            (it.event_type for it in items if it.event_type and it.event_type != "其他"),
            event_type,
        )
    return Event(
        name=primary.name,
        event_type=event_type,
        date=(date := merge_partial([primary.date, *(it.date for it in items)])),
        # the year is inferred unless an item with a year from its text agrees
        date_inferred=bool(date) and not any(
            it.date and not it.date_inferred and it.date[:4] == (date or "")[:4]
            for it in items),
        date_text=_longest(it.date_text for it in items),
        location=_longest(it.location for it in items),
        organizers=_union_names(it.organizers for it in items),
        hosts=_union_names(it.hosts for it in items),
        **_provenance(items, primary.name),
    )


def _merge_targets(items: Sequence[Target]) -> Target:
    primary = items[_primary_index(items)]
    return primary.model_copy(
        update={
            "description": _longest(it.description for it in items) or primary.description,
            "metric": _longest(it.metric for it in items) or primary.metric,
            "qualifier": primary.qualifier
            or next((it.qualifier for it in items if it.qualifier), None),
            "baseline": primary.baseline
            if primary.baseline is not None
            else next((it.baseline for it in items if it.baseline is not None), None),
            "evidence": _union_evidence(it.evidence for it in items),
            "doc_ids": _union_strings(_doc_ids(it) for it in items),
        }
    )


# --------------------------------------------------------------------------- matching


def _names(item: Event | Alliance) -> list[str]:
    return _union_strings([[item.name, *item.aliases]])


def _names_match(item: Event | Alliance, cluster: Sequence[Event | Alliance],
                 confirm: Confirm | None) -> bool:
    for mine in _names(item):
        for other in cluster:
            for theirs in _names(other):
                if resolve(mine, theirs, confirm=confirm):
                    return True
    return False


def _unit_key(unit: str | None) -> str:
    return canonical_name(unit) if unit else ""


def _same_clause(a: Target, b: Target) -> bool:
    spans = {(e.doc_id, e.start, e.end) for e in a.evidence}
    return any((e.doc_id, e.start, e.end) in spans for e in b.evidence)


def targets_match(a: Target, b: Target) -> bool:
    """Same value, unit and deadline year, and similar metrics."""
    if not math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12):
        return False
    if _unit_key(a.unit) != _unit_key(b.unit) or a.deadline_year != b.deadline_year:
        return False
    ma, mb = canonical_name(a.metric), canonical_name(b.metric)
    if ma == mb:
        return True
    if not ma or not mb or _same_clause(a, b):
        # one clause states each figure once: "建成2个…市域产教联合体、2个市域…实践中心"
        return False
    short, long = (ma, mb) if len(ma) <= len(mb) else (mb, ma)
    if len(short) >= 2 and short in long:
        return True
    return bigram_jaccard(ma, mb) >= METRIC_JACCARD


def launched_by(programme: Event, notice: Event) -> bool:
    """Whether ``programme`` is named inside the title of the document ``notice`` issued:
    the programme it launches, another event ("…名校长培养计划" beside "教育部办公厅印发
    《关于实施…名校长培养计划的通知》"), though its name is contained in the other's."""
    if not notice.document or programme.document:
        return False
    name, title = canonical_name(programme.name), canonical_name(notice.document)
    return name != title and name in title


def _matches(item: Item, cluster: list[Item], confirm: Confirm | None) -> bool:
    if isinstance(item, Target):
        return any(isinstance(o, Target) and targets_match(item, o) for o in cluster)
    if isinstance(item, Event):
        if not all(isinstance(o, Event) and compatible(item.date, o.date)
                   and not launched_by(item, o) and not launched_by(o, item)
                   for o in cluster):
            return False
    return _names_match(item, cluster, confirm)


def _merge_cluster(cluster: list[Item]) -> Item:
    first = cluster[0]
    merged: Event | Alliance | Target
    if isinstance(first, Alliance):
        merged = _merge_alliances([c for c in cluster if isinstance(c, Alliance)])
    elif isinstance(first, Event):
        merged = _merge_events([c for c in cluster if isinstance(c, Event)])
    else:
        merged = _merge_targets([c for c in cluster if isinstance(c, Target)])
    return cast(Item, merged)


def dedupe_within(items: Sequence[Item], *, confirm: Confirm | None = None) -> list[Item]:
    """Merge duplicates in a list of items of one type (first-appearance order)."""
    ask = _memo_confirm(confirm)
    clusters: list[list[Item]] = []
    for item in items:
        for cluster in clusters:
            if _matches(item, cluster, ask):
                cluster.append(item)
                break
        else:
            clusters.append([item])
    return [_merge_cluster(c) if len(c) > 1 else _finalise(c[0]) for c in clusters]


def _finalise(item: Item) -> Item:
    """A singleton: copy with doc_ids filled from evidence."""
    return item.model_copy(update={"doc_ids": _doc_ids(item)})


def merge_items(
    per_doc: list[DocumentExtraction], *, confirm: Confirm | None = None
) -> MergedItems:
    """Merge the items of all documents into one deduplicated set."""

    def tagged(doc: DocumentExtraction, item: Item) -> Item:
        ids = _union_strings([item.doc_ids, [doc.doc_id], [e.doc_id for e in item.evidence]])
        return item.model_copy(update={"doc_ids": ids})

    events = [tagged(d, e) for d in per_doc for e in d.events]
    alliances = [tagged(d, a) for d in per_doc for a in d.alliances]
    targets = [tagged(d, t) for d in per_doc for t in d.targets]
    return MergedItems(
        events=dedupe_within(events, confirm=confirm),
        alliances=dedupe_within(alliances, confirm=confirm),
        targets=dedupe_within(targets, confirm=confirm),
    )
