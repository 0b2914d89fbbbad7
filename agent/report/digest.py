"""What happened, built from the verified items alone (no model call, nothing invented):
a line per document, then across documents the alliances and communities founded, the
policy documents issued and the goals by deadline. Every name, number and date shown comes
from an item, so the digest is as right as the extraction; the model's executive summary
(:mod:`agent.report.overview`) only phrases, and when it fails :func:`template_overview`
stands in for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.extract.schemas import Alliance, DocumentExtraction, Event, Target
from agent.report.model import ReportData, event_date, format_value
from agent.text import dates

POLICY_EVENT = "发布文件"
_TITLE = re.compile(r"《[^《》]+》")


@dataclass(frozen=True)
class Founding:
    label: str
    alliance: Alliance
    date: str | None
    place: str | None


@dataclass(frozen=True)
class Issued:
    label: str
    issuers: list[str]
    title: str
    date: str | None


GOAL_CHARS = 40


def goal_text(target: Target) -> str:
    """A goal as the report writes it: its clause ("重点扶持120个人才引领型农民专业合作社"),
    cut to about :data:`GOAL_CHARS` around the amount, or what it counts and the amount
    when the clause lacks it."""
    amount = target.amount_text or f"{format_value(target.value)}{target.unit or ''}"
    clause = target.description.strip()
    at = clause.find(amount)
    if at < 0:
        return f"{target.metric} {amount}"
    if len(clause) <= GOAL_CHARS:
        return clause
    start = max(0, min(at - GOAL_CHARS // 2, len(clause) - GOAL_CHARS))
    end = start + GOAL_CHARS
    return ("…" if start else "") + clause[start:end] + ("…" if end < len(clause) else "")


def foundings(data: ReportData) -> list[Founding]:
    """Alliances, communities and agreements founded in the reports: with a founding date,
    a founding event, or a founding word in their evidence; place from the founding event."""
    from agent.extract.extraction import FOUNDING_WORDS, founding_events
    from agent.ingest.cleaning import search_form

    out = []
    for i, a in enumerate(data.merged.alliances):
        event = next(founding_events(a, data.merged.events), None)
        quotes = [search_form(ev.quote) for ev in a.evidence]
        said = any(w in q for q in quotes for w in FOUNDING_WORDS)
        if a.founded or event is not None or said:
            out.append(Founding(f"A{i + 1}", a, a.founded or (event.date if event else None),
                                event.location if event else None))
    return sorted(out, key=lambda f: dates.sort_key(f.date))


def issued_documents(data: ReportData) -> list[Issued]:
    """Policy documents issued: issuers, the title in 《》 and the date."""
    out = []
    for i, e in enumerate(data.merged.events):
        if e.event_type == POLICY_EVENT:
            out.append(Issued(f"E{i + 1}", list(e.organizers), document_title(e), e.date))
    return sorted(out, key=lambda x: dates.sort_key(x.date))


def document_title(event: Event) -> str:
    """《…》 of a policy event: its ``document`` field, else the 《…》 in its name."""
    if event.document:
        return f"《{event.document}》"
    found = _TITLE.search(event.name)
    return found.group(0) if found else event.name


def goals_by_deadline(data: ReportData) -> list[tuple[int | None, list[tuple[str, Target]]]]:
    """Goals grouped by deadline year (soonest first; goals without one last)."""
    groups: dict[int | None, list[tuple[str, Target]]] = {}
    for i, t in enumerate(data.merged.targets):
        if t.status == "goal":
            groups.setdefault(t.deadline_year, []).append((f"T{i + 1}", t))
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))


@dataclass(frozen=True)
class WhatHappened:
    founded: list[Founding]
    issued: list[Issued]
    goals: list[tuple[int | None, list[tuple[str, Target]]]]


def what_happened(data: ReportData) -> WhatHappened | None:
    """The digest across documents, or None when there is nothing to list."""
    found = WhatHappened(foundings(data), issued_documents(data), goals_by_deadline(data))
    return found if found.founded or found.issued or found.goals else None


def deadline_heading(year: int | None) -> str:
    return f"到{year}年" if year is not None else "未写明期限"


def document_digest(doc: DocumentExtraction) -> str:
    """One or two sentences of what a report reports, from its own verified items."""
    if doc.error:
        return f"处理失败：{doc.error}"
    parts = []
    for e in doc.events:
        if e.event_type == POLICY_EVENT:
            issuers = "、".join(e.organizers[:3])
            when = f"（{event_date(e)}）" if e.date else ""
            parts.append(f"{issuers + '印发' if issuers else '印发'}{document_title(e)}{when}")
    happenings = sorted((e for e in doc.events if e.event_type != POLICY_EVENT),
                        key=lambda e: dates.sort_key(e.date))
    for e in happenings[:2]:
        facts = [f for f in (event_date(e), e.location) if f]
        parts.append(e.name + (f"（{'，'.join(str(f) for f in facts)}）" if facts else ""))
    if len(happenings) > 2:
        parts[-1] += f" 等{len(happenings)}项活动"
    for a in doc.alliances[:3]:
        parts.append(a.name + (f"（牵头：{a.lead}）" if a.lead else ""))
    goals = [t for t in doc.targets if t.status == "goal"]
    if goals:
        years = sorted({t.deadline_year for t in goals if t.deadline_year})
        span = f"，期限{years[0]}—{years[-1]}年" if len(years) > 1 else (
            f"，到{years[0]}年" if years else "")
        parts.append(f"目标{len(goals)}项{span}")
    reported = len(doc.targets) - len(goals)
    if reported:
        parts.append(f"报道数字{reported}项")
    return "；".join(parts) + "。" if parts else "未抽取到条目。"


def template_overview(data: ReportData) -> list[tuple[str, list[str]]]:
    """Summary sentences with their refs, by template: what stands in when the model's
    phrasing fails or is dropped by the checks."""
    out: list[tuple[str, list[str]]] = []
    founded = foundings(data)
    if founded:
        names = "、".join(f.alliance.name for f in founded[:3])
        more = f"等{len(founded)}个" if len(founded) > 3 else ""
        out.append((f"成立或签约的联盟、共同体与协议：{names}{more}。",
                    [f.label for f in founded[:3]]))
    issued = issued_documents(data)
    if issued:
        titles = "、".join(x.title for x in issued[:2])
        more = f"等{len(issued)}份" if len(issued) > 2 else ""
        out.append((f"发布的政策文件：{titles}{more}。", [x.label for x in issued[:2]]))
    groups = goals_by_deadline(data)
    if groups:
        year, goals = groups[0]
        shown = "；".join(goal_text(t) for _, t in goals[:2])
        total = sum(len(g) for _, g in groups)
        out.append((f"提出目标{total}项，{deadline_heading(year)}：{shown}。",
                    [label for label, _ in goals[:2]]))
    events = [e for e in data.merged.events if e.event_type != POLICY_EVENT]
    if events and len(out) < 4:
        first = sorted(range(len(data.merged.events)),
                       key=lambda i: dates.sort_key(data.merged.events[i].date))
        picks = [i for i in first if data.merged.events[i].event_type != POLICY_EVENT][:2]
        names = "、".join(data.merged.events[i].name for i in picks)
        out.append((f"报道的活动{len(events)}项，包括{names}。", [f"E{i + 1}" for i in picks]))
    return out
