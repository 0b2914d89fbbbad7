"""LLM-written executive summary, grounded in the merged items and checked by code."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema

from agent import lexicon
from agent.extract.schemas import Alliance, Event, MergedItems, Target
from agent.llm.base import ChatModel

MAX_ITEMS_PER_KIND = 12
ANAPHORS = ("该", "此", "这", "其", "上述")
REPEAT_SIMILARITY = 0.6
"""Bigram Jaccard above which a sentence repeats an earlier one (small models restate)."""

# An organisation or place the sentence names: CJK characters up to a name ending.
_NAME = re.compile(
    rf"[\u4e00-\u9fff]{{2,16}}?(?:{lexicon.alternation('extraction', 'organisations.suffixes')})"
)


def ungrounded_names(text: str, lines: list[str]) -> list[str]:
    """Names in ``text`` (organisations, places) that none of ``lines`` writes: a name
    counts as written when its last three or more characters are ("召开成立大会" is said by
    "…成立大会"; "哈职院" in a sentence about an item that names no 哈职院 is not)."""
    from agent.ingest.cleaning import search_form

    said = search_form(" ".join(lines))
    out = []
    for m in _NAME.finditer(search_form(text)):
        name = m.group(0)
        if not any(name[i:] in said for i in range(len(name) - 2)):
            out.append(name)
    return out


class SentenceDraft(BaseModel):
    text: str = Field(max_length=120)
    refs: list[str] = Field(max_length=4, description='引用的条目编号，如 ["A1","E2"]')


class OverviewDraft(BaseModel):
    sentences: list[SentenceDraft] = Field(default_factory=list, max_length=4)


def item_documents(merged: MergedItems) -> dict[str, set[str]]:
    """``{"E1": {doc ids}, …}``: the reports each labelled item comes from."""
    out: dict[str, set[str]] = {}
    kinds: list[tuple[str, Sequence[Event | Alliance | Target]]] = [
        ("E", merged.events), ("A", merged.alliances), ("T", merged.targets)]
    for prefix, items in kinds:
        for i, item in enumerate(items[:MAX_ITEMS_PER_KIND]):
            out[f"{prefix}{i + 1}"] = {*item.doc_ids, *(ev.doc_id for ev in item.evidence)}
    return out


def item_lines(merged: MergedItems) -> dict[str, str]:
    """``{"E1": "…", "A1": "…", "T1": "…"}``: the labels the report uses for merged items."""
    lines: dict[str, str] = {}
    for i, e in enumerate(merged.events[:MAX_ITEMS_PER_KIND]):
        lines[f"E{i + 1}"] = f"{e.name}（{e.event_type}，{e.date or '日期未写明'}）"
    for i, a in enumerate(merged.alliances[:MAX_ITEMS_PER_KIND]):
        lead = f"；牵头：{a.lead}" if a.lead else ""
        lines[f"A{i + 1}"] = f"{a.name}（{a.kind}{lead}）"
    for i, t in enumerate(merged.targets[:MAX_ITEMS_PER_KIND]):
        year = f"，到{t.deadline_year}年" if t.deadline_year else ""
        lines[f"T{i + 1}"] = f"{t.metric} {t.amount_text}{year}"
    return lines


class VerifiedOverview(OverviewDraft):
    dropped: SkipJsonSchema[int] = 0

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> VerifiedOverview:
        from agent.text.numbers import unsupported_numbers
        from agent.text.similarity import bigram_jaccard

        lines: dict[str, str] | None = (info.context or {}).get("items")
        docs: dict[str, set[str]] = (info.context or {}).get("documents") or {}
        if lines is None:
            return self
        kept: list[SentenceDraft] = []
        previous_kept = True
        for s in self.sentences:
            refs = [r.strip().upper() for r in s.refs if r.strip().upper() in lines]
            cited = [lines[r] for r in refs]
            # items of different reports in one sentence: a relation the model made up
            # ("纪念仪式…由青少年技能实践基地联盟牵头"); "该…" after a dropped sentence dangles
            shared = set.intersection(*(docs[r] for r in refs)) if docs and refs else {""}
            previous_kept = bool(
                refs and shared
                and not (s.text.startswith(ANAPHORS) and not previous_kept)
                and not any(bigram_jaccard(k.text, s.text) > REPEAT_SIMILARITY for k in kept)
                and not unsupported_numbers(s.text, cited)
                and not ungrounded_names(s.text, cited))
            if previous_kept:
                kept.append(SentenceDraft(text=s.text, refs=refs))
        self.dropped += len(self.sentences) - len(kept)
        self.sentences = kept
        return self


def write_overview(llm: ChatModel, merged: MergedItems) -> list[tuple[str, list[str]]]:
    """Sentences with refs like ``alliance:1``; unsupported sentences are dropped.

    Raises :class:`~agent.core.errors.ModelError` when the model fails; the report treats
    the overview as optional (:func:`overview_or_none`)."""
    from agent.core.prompts import load_prompt

    lines = item_lines(merged)
    if not lines:
        return []
    prompt = load_prompt("overview")
    items = "\n".join(f"{k} {v}" for k, v in lines.items())
    draft = llm.structured(
        VerifiedOverview,
        prompt.render(items=items),
        prompt=prompt,
        max_tokens=500,
        validation_context={"items": lines, "documents": item_documents(merged)},
    )
    kinds = {"E": "event", "A": "alliance", "T": "target"}
    return [(s.text, [f"{kinds[r[0]]}:{r[1:]}" for r in s.refs]) for s in draft.sentences]


def overview_or_none(
    llm: ChatModel, merged: MergedItems
) -> tuple[list[tuple[str, list[str]]], str | None]:
    """The overview, or none and the reason when the model could not write one: the
    report's tables and evidence do not depend on an optional summary."""
    from agent.core.errors import ModelError

    try:
        return write_overview(llm, merged), None
    except ModelError as exc:
        return [], str(exc)
