"""Windowed extraction of events, alliances and targets with code-verified evidence.

Pipeline per document:
1. pick candidate sentences by code (alliance/event keywords, quantities parsed by
   ``agent.numbers``) and pack them into small windows: the 1.5B default model lumps or
   drops items on a whole article, and skipping sentences with nothing to extract keeps
   the LLM input below the corpus size;
2. one instructor call per window; a validator locates every evidence quote in the
   document (``agent.evidence``) and re-asks once with the failures;
3. items whose evidence still does not verify are dropped and counted; values, units,
   qualifiers, deadlines and dates are parsed by code from the verified text;
4. duplicates are merged within the document (and across documents by the caller).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema

from agent.chunking import split_sentences
from agent.documents import Document
from agent.evidence import locate_quote, span_contains, verify_quotes
from agent.schemas import (
    Alliance,
    AllianceDraft,
    DocumentExtraction,
    Event,
    EventDraft,
    Evidence,
    ExtractionDraft,
    Target,
    TargetDraft,
)

ALLIANCE_WORDS = ("联盟", "共同体", "联合体", "协同体", "连合体", "集团", "定约", "协议", "契约",
                  "产业学院")
EVENT_WORDS = ("举行", "举办", "召开", "开幕", "启动", "揭牌", "签署", "签订", "签约", "成立",
               "大会", "会议", "仪式", "活动周", "论坛", "大赛", "比赛", "发布会", "交流会")
KIND_BY_SUFFIX = (
    ("职教集团", "职教集团"), ("教育集团", "职教集团"), ("集团", "职教集团"),
    ("联合体", "联合体"), ("连合体", "联合体"),
    ("共同体", "共同体"), ("协同体", "共同体"),
    ("联盟", "联盟"), ("定约", "联盟"),
    ("协议", "协议"), ("契约", "协议"),
    ("学院", "学院"),
)
COORDINATED = re.compile(r"^(?P<parts>[^、，,]+(?:[、，,][^、，,]+)+?)(?P<suffix>(?:产教融合|产教统一)?"
                         r"(?:共同体|联合体|联盟|集团|协同体|连合体))$")
GOAL_WORDS = ("到20", "至20", "将", "力争", "计划", "预计", "目标", "建成", "修成")


@dataclass(frozen=True)
class Window:
    start: int  # cleaned-text range covering the window's sentences
    end: int
    text: str
    tokens: int


def candidate_windows(doc: Document, max_tokens: int, count: Any) -> list[Window]:
    """Sentences worth extracting from, packed into windows of at most ``max_tokens``."""
    from agent.numbers import find_quantities

    picked: list[tuple[int, int]] = []
    for s, e in split_sentences(doc.text):
        simple = doc.search_text[s:e]
        if (any(w in simple for w in ALLIANCE_WORDS) or any(w in simple for w in EVENT_WORDS)
                or find_quantities(doc.text[s:e])):
            picked.append((s, e))
    windows: list[Window] = []
    current: list[tuple[int, int]] = []
    size = 0

    def flush() -> None:
        if current:
            text = "\n".join(doc.text[s:e] for s, e in current)
            windows.append(Window(current[0][0], current[-1][1], text, count(text)))

    for s, e in picked:
        n = count(doc.text[s:e])
        if current and size + n > max_tokens:
            flush()
            current, size = [], 0
        current.append((s, e))
        size += n
    flush()
    return windows


# --------------------------------------------------------------------------- verification


def _item_quotes(item: EventDraft | AllianceDraft | TargetDraft) -> list[str]:
    return [q for q in item.evidence if q and q.strip()]


@dataclass
class WindowVerifier:
    """Checks a window's draft against the document; shared across instructor re-asks."""

    doc: Document
    window: Window
    reasks_left: int = 1
    dropped: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def within(self) -> tuple[int, int]:
        return (self.window.start, self.window.end)

    def item_errors(self, item: EventDraft | AllianceDraft | TargetDraft) -> list[str]:
        quotes = _item_quotes(item)
        if not quotes:
            return ["缺少 evidence（必须逐字复制原文）/ missing evidence"]
        verified, errors = verify_quotes(self.doc, quotes, within=self.within)
        if not verified:
            return errors
        if isinstance(item, TargetDraft) and not any(
                span_contains(self.doc, ev, item.amount) for ev in verified):
            return [f"amount “{item.amount}” 不在 evidence 中 / amount not inside its evidence"]
        if isinstance(item, AllianceDraft) and locate_quote(self.doc, item.name) is None:
            return [f"名称“{item.name}”不是原文中的写法（必须逐字复制全称）/ name not verbatim"]
        return []

    def check(self, draft: ExtractionDraft) -> list[str]:
        problems = []
        for kind, items in (("events", draft.events), ("alliances", draft.alliances),
                            ("targets", draft.targets)):
            for i, item in enumerate(items):
                for err in self.item_errors(item):
                    problems.append(f"{kind}[{i}]: {err}")
        return problems

    def keep_verified(self, draft: ExtractionDraft) -> ExtractionDraft:
        kept = ExtractionDraft(
            events=[e for e in draft.events if not self.item_errors(e)],
            alliances=[a for a in draft.alliances if not self.item_errors(a)],
            targets=[t for t in draft.targets if not self.item_errors(t)],
        )
        self.dropped += (len(draft.events) + len(draft.alliances) + len(draft.targets)
                         - len(kept.events) - len(kept.alliances) - len(kept.targets))
        return kept


class WindowExtraction(ExtractionDraft):
    # Not shown to the model; kept in the cached JSON so a warm run reports the same count.
    dropped: SkipJsonSchema[int] = 0

    """``ExtractionDraft`` whose validator verifies evidence against the document.

    On the first failure the errors go back to the model (instructor re-ask); after the
    re-ask budget is spent, unverifiable items are dropped instead, so the validated (and
    cached) result only ever holds verified items.
    """

    @model_validator(mode="after")
    def _verify(self, info: ValidationInfo) -> WindowExtraction:
        verifier = (info.context or {}).get("verifier")
        if not isinstance(verifier, WindowVerifier):
            return self
        problems = verifier.check(self)
        if problems and verifier.reasks_left > 0:
            verifier.reasks_left -= 1
            verifier.errors.extend(problems)
            raise ValueError("以下条目的引文或名称无法在原文中核实，请逐字复制原文后重新输出 / "
                             "fix these items:\n" + "\n".join(problems[:12]))
        kept = verifier.keep_verified(self)
        self.dropped += verifier.dropped
        self.events, self.alliances, self.targets = kept.events, kept.alliances, kept.targets
        return self


# --------------------------------------------------------------------------- finalising


def alliance_kind(name: str) -> str:
    from agent.cleaning import search_form

    simple = search_form(name)
    for suffix, kind in KIND_BY_SUFFIX:
        if simple.endswith(suffix) or suffix in simple[-6:]:
            return kind
    return "其他"


def split_coordinated(name: str) -> list[str]:
    """“对俄经贸、冰雪体育、现代农业产教融合共同体” → three names sharing the suffix."""
    m = COORDINATED.match(name)
    if not m:
        return [name]
    parts = re.split(r"[、，,]", m.group("parts"))
    if any(len(p) > 12 for p in parts):
        return [name]
    return [p + m.group("suffix") for p in parts]


def _year(doc: Document) -> int | None:
    return int(doc.published[:4]) if doc.published else None


def _evidence(doc: Document, quotes: list[str], within: tuple[int, int]) -> list[Evidence]:
    return verify_quotes(doc, quotes, within=within)[0]


def _clean_list(values: list[str]) -> list[str]:
    seen: list[str] = []
    for v in values:
        v = v.strip()
        if v and v not in seen:
            seen.append(v)
    return seen


def finalise_event(doc: Document, draft: EventDraft, within: tuple[int, int]) -> Event:
    from agent.numbers import parse_date

    evidence = _evidence(doc, _item_quotes(draft), within)
    date = parse_date(draft.date, default_year=_year(doc)) if draft.date else None
    if date is None:
        for ev in evidence:
            date = parse_date(ev.quote, default_year=_year(doc))
            if date:
                break
    return Event(name=draft.name.strip(), event_type=draft.event_type.strip() or "其他",
                 date=date, date_text=draft.date, location=draft.location,
                 organizers=_clean_list(draft.organizers), hosts=_clean_list(draft.hosts),
                 participants=_clean_list(draft.participants), summary=draft.summary.strip(),
                 evidence=evidence, doc_ids=[doc.doc_id])


def finalise_alliances(doc: Document, draft: AllianceDraft,
                       within: tuple[int, int]) -> list[Alliance]:
    from agent.aliases import full_name
    from agent.numbers import parse_date

    evidence = _evidence(doc, _item_quotes(draft), within)
    founded = parse_date(draft.founded, default_year=_year(doc)) if draft.founded else None
    out = []
    names = split_coordinated(draft.name.strip())
    for name in names:
        kind = alliance_kind(name)
        if kind == "其他" and alliance_kind(draft.kind) == "其他":
            continue
        out.append(Alliance(
            name=name, kind=kind if kind != "其他" else alliance_kind(draft.kind),  # type: ignore[arg-type]
            members=_clean_list([full_name(m) for m in draft.members]),
            lead=full_name(draft.lead.strip()) if draft.lead and len(names) == 1 else None,
            founded=founded or draft.founded, purpose=draft.purpose,
            evidence=evidence, doc_ids=[doc.doc_id]))
    return out


def finalise_target(doc: Document, draft: TargetDraft, within: tuple[int, int]) -> Target | None:
    from agent.numbers import parse_amount, parse_change, parse_deadline_year

    evidence = _evidence(doc, _item_quotes(draft), within)
    quantity = parse_amount(draft.amount)
    if quantity is None:
        return None
    deadline = parse_deadline_year(draft.deadline) if draft.deadline else None
    if deadline is None:
        for ev in evidence:
            deadline = parse_deadline_year(ev.quote)
            if deadline:
                break
    baseline = None
    for ev in evidence:
        change = parse_change(ev.quote)
        if change and abs(change[1].value - quantity.value) < 1e-9:
            baseline = change[0].value
    quote_text = "".join(ev.quote for ev in evidence)
    published = _year(doc)
    goal = deadline is not None and (published is None or deadline >= published) or any(
        w in quote_text for w in GOAL_WORDS[2:])
    return Target(description=draft.description.strip(), metric=draft.metric.strip(),
                  value=quantity.value, unit=quantity.unit, qualifier=quantity.qualifier,
                  amount_text=draft.amount.strip(), deadline_year=deadline, baseline=baseline,
                  owner=draft.owner, status="goal" if goal else "reported", evidence=evidence,
                  doc_ids=[doc.doc_id])


def finalise_window(doc: Document, draft: ExtractionDraft,
                    within: tuple[int, int]) -> tuple[list[Event], list[Alliance], list[Target]]:
    events = [finalise_event(doc, e, within) for e in draft.events]
    alliances = [a for d in draft.alliances for a in finalise_alliances(doc, d, within)]
    targets = [t for t in (finalise_target(doc, d, within) for d in draft.targets) if t]
    return events, alliances, targets


# --------------------------------------------------------------------------- driver


def window_budget(settings: Any) -> int:
    return int(settings.chunk_tokens * max(1, settings.window_chunks))


def extract_document(llm: Any, doc: Document, settings: Any) -> DocumentExtraction:
    from agent.merge import dedupe_within
    from agent.prompts import fence, load_prompt
    from agent.tokens import count_tokens

    prompt = load_prompt("extract")
    events: list[Event] = []
    alliances: list[Alliance] = []
    targets: list[Target] = []
    dropped = 0
    for window in candidate_windows(doc, window_budget(settings), count_tokens):
        verifier = WindowVerifier(doc, window, reasks_left=min(1, settings.max_retries))
        messages = prompt.render(title=doc.title, document=fence(window.text))
        draft = llm.structured(WindowExtraction, messages, prompt=prompt, max_tokens=1200,
                               validation_context={"verifier": verifier})
        dropped += draft.dropped
        e, a, t = finalise_window(doc, draft, (window.start, window.end))
        events += e
        alliances += a
        targets += t
    return DocumentExtraction(
        doc_id=doc.doc_id, path=doc.path, title=doc.title, published=doc.published,
        script=doc.script, content_hash=doc.content_hash,
        events=dedupe_within(events), alliances=dedupe_within(alliances),
        targets=dedupe_within(targets), dropped=dropped)
