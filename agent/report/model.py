"""The data a batch report is rendered from.

``ReportData`` is the single input of every renderer (Markdown, HTML, JSON). It holds
the per-document extractions, the merged (deduplicated) items, an optional LLM-written
overview and the run metadata.

Item references
    Overview sentences point at merged items with refs of the form ``"kind:n"`` where
    ``kind`` is ``event``, ``alliance`` or ``target`` and ``n`` is the **1-based**
    position in ``merged.events`` / ``merged.alliances`` / ``merged.targets``. The
    renderers label these items ``E1``, ``A3``, ``T2`` … (see :func:`item_label`);
    ``"A3"``-style labels are accepted as refs too. Unknown refs are ignored.

Original texts
    ``originals`` (doc_id -> decoded original text) is only needed to show evidence in
    context and highlight spans in the HTML. It is **left out of the JSON** by default
    (:meth:`ReportData.to_json`, ``write_report(..., include_originals=False)``) because
    it duplicates the corpus; pass ``include_originals=True`` to embed it. A report
    loaded back from JSON without originals still renders: quotes are shown without
    context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agent.extract.schemas import (
    Alliance,
    DocumentExtraction,
    Event,
    Evidence,
    MergedItems,
    Target,
)
from agent.text import dates

ItemKind = Literal["event", "alliance", "target"]
Item = Event | Alliance | Target

KIND_PREFIX: dict[str, str] = {"event": "E", "alliance": "A", "target": "T"}
PREFIX_KIND: dict[str, ItemKind] = {"E": "event", "A": "alliance", "T": "target"}

_REF_RE = re.compile(r"^\s*(event|alliance|target)\s*[:#]\s*(\d+)\s*$", re.IGNORECASE)
_LABEL_RE = re.compile(r"^\s*\[?([EAT])(\d+)\]?\s*$")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


class OverviewSentence(BaseModel):
    """One sentence of the executive summary with the merged items it rests on."""

    text: str
    refs: list[str] = Field(default_factory=list, description='e.g. ["alliance:3", "event:1"]')


class FailedDocument(BaseModel):
    doc_id: str = ""
    path: str
    reason: str
    partial: bool = Field(default=False,
                          description="extracted, but some windows were not: items may be missing")


def partial_reason(doc: DocumentExtraction) -> str:
    """One line on the windows of ``doc`` that were not read (their items may be missing)."""
    n = len(doc.failed_windows)
    first = doc.failed_windows[0] if n else ""
    return f"{n} window{'s' if n != 1 else ''} not read ({first})"


class RunInfo(BaseModel):
    """How the report was produced."""

    model: str = ""
    prompt_versions: dict[str, str] = Field(default_factory=dict)
    usage: dict[str, float] = Field(
        default_factory=dict,
        description="prompt_tokens, completion_tokens, calls, cache_hits, wall_time_s, …",
    )
    document_hashes: dict[str, str] = Field(default_factory=dict, description="doc_id -> hash")
    failed: list[FailedDocument] = Field(
        default_factory=list,
        description="documents that failed before extraction (no DocumentExtraction)",
    )


class ReportData(BaseModel):
    title: str = "职业教育动态汇总报告"
    generated_at: datetime = Field(default_factory=lambda: datetime.now().astimezone())
    documents: list[DocumentExtraction] = Field(default_factory=list)
    merged: MergedItems = Field(default_factory=MergedItems)
    overview: list[OverviewSentence] = Field(default_factory=list)
    overview_source: Literal["model", "template"] = Field(
        default="model", description="template: built from the items when the model's failed")
    doc_summaries: dict[str, str] = Field(default_factory=dict)
    originals: dict[str, str] = Field(
        default_factory=dict, description="doc_id -> original text; not in JSON by default"
    )
    run: RunInfo = Field(default_factory=RunInfo)

    # ------------------------------------------------------------------ serialisation

    def to_json(self, *, include_originals: bool = False, indent: int | None = 2) -> str:
        exclude = None if include_originals else {"originals"}
        return self.model_dump_json(indent=indent, exclude=exclude)

    # ------------------------------------------------------------------ helpers

    def failures(self) -> list[FailedDocument]:
        """Documents whose extraction failed, from ``documents[*].error`` and ``run.failed``."""
        out: list[FailedDocument] = []
        seen: set[str] = set()
        for doc in self.documents:
            if doc.error is not None:
                out.append(FailedDocument(doc_id=doc.doc_id, path=doc.path, reason=doc.error))
                seen.add(doc.doc_id or doc.path)
            elif doc.failed_windows:
                out.append(FailedDocument(doc_id=doc.doc_id, path=doc.path, partial=True,
                                          reason=partial_reason(doc)))
                seen.add(doc.doc_id or doc.path)
        for failed in self.run.failed:
            key = failed.doc_id or failed.path
            if key not in seen:
                out.append(failed)
                seen.add(key)
        return out

    def document(self, doc_id: str) -> DocumentExtraction | None:
        for doc in self.documents:
            if doc.doc_id == doc_id:
                return doc
        return None

    def labelled_items(self) -> list[tuple[str, ItemKind, Item]]:
        """All merged items as ``(label, kind, item)`` in merged order."""
        out: list[tuple[str, ItemKind, Item]] = []
        out += [(item_label("event", i), "event", it) for i, it in enumerate(self.merged.events)]
        out += [
            (item_label("alliance", i), "alliance", it)
            for i, it in enumerate(self.merged.alliances)
        ]
        out += [(item_label("target", i), "target", it) for i, it in enumerate(self.merged.targets)]
        return out

    def resolve_ref(self, ref: str) -> tuple[str, ItemKind, Item] | None:
        """``"alliance:3"`` / ``"A3"`` -> ``("A3", "alliance", item)``; None if unknown."""
        parsed = parse_ref(ref)
        if parsed is None:
            return None
        kind, number = parsed
        items: list[Event] | list[Alliance] | list[Target]
        if kind == "event":
            items = self.merged.events
        elif kind == "alliance":
            items = self.merged.alliances
        else:
            items = self.merged.targets
        if not 1 <= number <= len(items):
            return None
        return item_label(kind, number - 1), kind, items[number - 1]


# ---------------------------------------------------------------------- free functions


def item_label(kind: ItemKind, index0: int) -> str:
    """Display label of the merged item at 0-based ``index0``.

    ``item_label("event", 0) == "E1"``
    """
    return f"{KIND_PREFIX[kind]}{index0 + 1}"


def item_ref(kind: ItemKind, index0: int) -> str:
    """Overview ref of the merged item at 0-based ``index0``.

    ``item_ref("alliance", 2) == "alliance:3"``
    """
    return f"{kind}:{index0 + 1}"


def parse_ref(ref: str) -> tuple[ItemKind, int] | None:
    match = _REF_RE.match(ref)
    if match:
        word = match.group(1).lower()
        kind: ItemKind = (
            "event" if word == "event" else "alliance" if word == "alliance" else "target"
        )
        return kind, int(match.group(2))
    match = _LABEL_RE.match(ref)
    if match:
        return PREFIX_KIND[match.group(1)], int(match.group(2))
    return None


def document_items(doc: DocumentExtraction) -> list[Item]:
    """A document's own (unmerged) events, alliances and targets."""
    items: list[Item] = [*doc.events]
    items += doc.alliances
    items += doc.targets
    return items


def item_name(item: Item) -> str:
    if isinstance(item, Target):
        return item.metric or item.description
    return item.name


def item_doc_ids(item: Item) -> list[str]:
    """Documents an item comes from: ``doc_ids`` plus evidence documents, in order, unique."""
    out: list[str] = []
    for doc_id in [*item.doc_ids, *(ev.doc_id for ev in item.evidence)]:
        if doc_id and doc_id not in out:
            out.append(doc_id)
    return out


def event_sort_key(event: Event) -> tuple[int, int, int, int]:
    """Dated events first (by date), then month/day-only dates, then undated."""
    return dates.sort_key(event.date)


INFERRED_YEAR = "（年份据报道推断）"


def event_date(event: Event) -> str:
    """An event's date as written (2023年6月12日), marked when its year was inferred from
    the report (its publication date, else the year its text names); "" when it has
    none."""
    shown = dates.as_written(event.date) or ""
    return shown + INFERRED_YEAR if shown and event.date_inferred else shown


def item_year(item: Item) -> int | None:
    """Year used for filtering: event date, target deadline, alliance founding text."""
    if isinstance(item, Event):
        parsed = dates.parse_iso(item.date)
        if parsed and parsed[0] is not None:
            return parsed[0]
        match = _YEAR_RE.search(item.date_text or "")
        return int(match.group(1)) if match else None
    if isinstance(item, Target):
        return item.deadline_year
    match = _YEAR_RE.search(item.founded or "")
    return int(match.group(1)) if match else None


def evidence_ok(ev: Evidence, originals: dict[str, str]) -> bool:
    """Whether ``ev`` can be highlighted: its original is known and the slice matches."""
    text = originals.get(ev.doc_id)
    if text is None:
        return False
    return 0 <= ev.start < ev.end <= len(text) and text[ev.start : ev.end] == ev.quote


def format_value(value: float) -> str:
    """``3.0`` -> ``"3"``, ``319000000.0`` -> ``"319,000,000"``, ``4.33`` -> ``"4.33"``."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1e6 else f"{value:g}"


def join_names(values: Sequence[str], limit: int | None = None) -> str:
    """``A、B、C``; past ``limit`` names: ``A、B 等5个``."""
    shown = list(values if limit is None else values[:limit])
    text = "、".join(shown)
    if limit is not None and len(values) > limit:
        text += f" 等{len(values)}个"
    return text


def run_facts(data: ReportData, *, language: str) -> list[str]:
    """The run line's parts as plain text (each renderer escapes and joins them)."""
    ok = sum(1 for doc in data.documents if doc.error is None)
    stamp = data.generated_at.isoformat(timespec="seconds")
    failures = data.failures()
    failed = sum(1 for f in failures if not f.partial)
    partial = len(failures) - failed
    if language == "zh":
        facts = [f"生成于 {stamp}", f"{ok} 篇文档", f"{failed} 篇失败"]
        return facts + ([f"{partial} 篇部分未读"] if partial else [])
    facts = [f"Generated {stamp}", f"{ok} documents", f"{failed} failed"]
    return facts + ([f"{partial} partly read"] if partial else [])


def format_usage(usage: dict[str, float]) -> str:
    names = {
        "prompt_tokens": "prompt tokens",
        "completion_tokens": "completion tokens",
        "calls": "calls",
        "cache_hits": "cache hits",
        "wall_time_s": "wall time s",
    }
    parts: list[str] = []
    for key, value in usage.items():
        shown = names.get(key, key.replace("_", " "))
        number = f"{value:.1f}" if key.endswith("_s") or value != int(value) else f"{int(value):,}"
        parts.append(f"{shown} {number}")
    return ", ".join(parts)
