"""GitHub-flavoured Markdown rendering of a :class:`ReportData`.

Layout: title and run line, executive summary (overview sentences with ``[A3]`` links),
tables of events (by date, undated last), alliances and targets (goals grouped by
deadline year, then reported figures), per-document sections and failed documents.

Anchors are plain ``<a id="…"></a>`` tags (GitHub keeps them as ``user-content-…`` and
resolves ``#…`` links to them): ``item-E1`` for table rows, ``doc-<doc_id>`` for
per-document sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from agent.extract.schemas import DocumentExtraction, Evidence, Target
from agent.report.model import (
    Item,
    ReportData,
    event_date,
    event_sort_key,
    format_usage,
    format_value,
    item_doc_ids,
    item_label,
    join_names,
    run_facts,
)
from agent.text import dates

QUOTE_CHARS = 40
MEMBERS_SHOWN = 8

_MD_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "&": "&amp;",
        "|": "\\|",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "<": "&lt;",
        ">": "&gt;",
        "#": "\\#",
    }
)


def md_text(value: object) -> str:
    """Escape text for inline Markdown; newlines become spaces."""
    text = "" if value is None else str(value)
    text = " ".join(text.replace("\r", "\n").split("\n"))
    return text.translate(_MD_SPECIAL)


def md_cell(value: object) -> str:
    """Escape text for a table cell (``|`` and newlines included); empty -> ``—``."""
    text = md_text(value).strip()
    return text if text else "—"


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def doc_anchor(doc_id: str) -> str:
    return f"doc-{doc_id}"


def item_anchor(label: str) -> str:
    return f"item-{label}"


# doc_id -> short label from the file name, set for the duration of one render call.
DOC_LABELS: ContextVar[dict[str, str] | None] = ContextVar("DOC_LABELS", default=None)


def doc_labels(data: ReportData) -> dict[str, str]:
    labels = {}
    for doc in data.documents:
        stem = Path(doc.path).stem
        labels[doc.doc_id] = short_doc(stem) if "_" in stem else stem[:24]
    return labels


def short_doc(doc_id: str) -> str:
    """A document's label: its file name's prefix when known (``000_85e3…`` -> ``000``),
    else the id cut to 12 characters."""
    known = (DOC_LABELS.get() or {}).get(doc_id)
    if known:
        return known
    head = doc_id.split("_", 1)[0]
    return head if head and len(head) <= 8 and head != doc_id else doc_id[:12]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table; a column empty (``—``) in every row is left out."""
    rows = [list(row) for row in rows]
    keep = [i for i in range(len(header))
            if i == 0 or not rows or any(row[i] != "—" for row in rows)]
    header = [header[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _sources_cell(evidence: Sequence[Evidence], doc_ids: Sequence[str]) -> str:
    parts: list[str] = []
    covered: set[str] = set()
    for ev in evidence:
        covered.add(ev.doc_id)
        page = f" 第{ev.page}页" if ev.page else ""
        parts.append(
            f"[{md_text(short_doc(ev.doc_id))}](#{doc_anchor(ev.doc_id)}){page} "
            f"“{md_text(shorten(ev.shown))}”"
        )
    for doc_id in doc_ids:
        if doc_id not in covered:
            parts.append(f"[{md_text(short_doc(doc_id))}](#{doc_anchor(doc_id)})")
    return "<br>".join(parts) if parts else "—"


def _label_cell(label: str) -> str:
    return f'<a id="{item_anchor(label)}"></a>{label}'


def _amount(target: Target) -> str:
    value = format_value(target.value)
    unit = target.unit or ""
    qualifier = f"（{target.qualifier}）" if target.qualifier else ""
    return f"{value} {unit}{qualifier}".strip()


# ---------------------------------------------------------------------- sections


def _run_line(data: ReportData) -> str:
    parts = [md_text(p) for p in run_facts(data, language="en")]
    if data.run.model:
        parts.append(f"model `{data.run.model.replace('`', '')}`")
    if data.run.prompt_versions:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(data.run.prompt_versions.items()))
        parts.append(f"prompts {md_text(versions)}")
    if data.run.usage:
        parts.append(md_text(format_usage(data.run.usage)))
    return "_" + " · ".join(parts) + "_"


def _summary(data: ReportData) -> list[str]:
    lines = ["## Executive summary · 概要", ""]
    if not data.overview:
        lines.append(
            f"_No overview was written for this run._ {len(data.merged.events)} events, "
            f"{len(data.merged.alliances)} alliances and {len(data.merged.targets)} targets "
            "were extracted; see the tables below."
        )
        return [*lines, ""]
    for sentence in data.overview:
        links = ""
        for ref in sentence.refs:
            resolved = data.resolve_ref(ref)
            if resolved is not None:
                links += f"[\\[{resolved[0]}\\]](#{item_anchor(resolved[0])})"
        lines.append(f"- {md_text(sentence.text)} {links}".rstrip())
    if data.overview_source == "template":
        lines += ["", "_Built from the extracted items (the model's summary was not available)._"]
    return [*lines, ""]


def _what_happened(data: ReportData) -> list[str]:
    """Alliances founded, policy documents issued, goals by deadline: from the items."""
    from agent.report.digest import deadline_heading, goal_text, what_happened

    digest = what_happened(data)
    if digest is None:
        return []
    founded, issued, goals = digest.founded, digest.issued, digest.goals
    lines = ["## What happened · 要点", ""]
    if founded:
        lines += ["**成立的联盟、共同体与协议**", ""]
        lines += _table(
            ["#", "名称", "牵头", "日期", "地点"],
            [[f"[{f.label}](#{item_anchor(f.label)})", md_cell(f.alliance.name),
              md_cell(f.alliance.lead), md_cell(dates.as_written(f.date)), md_cell(f.place)]
             for f in founded])
        lines.append("")
    if issued:
        lines += ["**发布的政策文件**", ""]
        lines += _table(
            ["#", "发文单位", "文件", "日期"],
            [[f"[{x.label}](#{item_anchor(x.label)})", md_cell(join_names(x.issuers, 4)),
              md_cell(x.title), md_cell(dates.as_written(x.date))] for x in issued])
        lines.append("")
    if goals:
        lines += ["**目标（按期限）**", ""]
        for year, group in goals:
            shown = "；".join(f"[{label}](#{item_anchor(label)}) {md_text(goal_text(t))}"
                             for label, t in group)
            lines.append(f"- {deadline_heading(year)}：{shown}")
        lines.append("")
    return lines


def _events_table(data: ReportData) -> list[str]:
    lines = ["## Events · 事件", ""]
    if not data.merged.events:
        return [*lines, "_None._", ""]
    order = sorted(enumerate(data.merged.events), key=lambda pair: event_sort_key(pair[1]))
    rows = []
    for index, event in order:
        date = event_date(event)
        if event.date_text and event.date_text != dates.as_written(event.date):
            date = f"{date} ({event.date_text})" if date else event.date_text
        rows.append(
            [
                _label_cell(item_label("event", index)),
                md_cell(date),
                md_cell(event.name),
                md_cell(event.event_type),
                md_cell(event.location),
                md_cell(join_names(event.organizers)),
                md_cell(join_names(event.hosts)),
                _sources_cell(event.evidence, item_doc_ids(event)),
            ]
        )
    header = ["#", "Date", "Event", "Type", "Location", "Organizers", "Hosts", "Sources"]
    return [*lines, *_table(header, rows), ""]


def _alliances_table(data: ReportData) -> list[str]:
    lines = ["## Alliances · 联盟 / 共同体 / 协议", ""]
    if not data.merged.alliances:
        return [*lines, "_None._", ""]
    rows = []
    for index, alliance in enumerate(data.merged.alliances):
        name = alliance.name
        if alliance.aliases:
            name += f"（又称：{join_names(alliance.aliases)}）"
        rows.append(
            [
                _label_cell(item_label("alliance", index)),
                md_cell(name),
                md_cell(alliance.kind),
                md_cell(alliance.lead),
                md_cell(join_names(alliance.members, MEMBERS_SHOWN)),
                md_cell(dates.as_written(alliance.founded)),
                _sources_cell(alliance.evidence, item_doc_ids(alliance)),
            ]
        )
    header = ["#", "Name", "Kind", "Lead", "Members", "Founded", "Sources"]
    return [*lines, *_table(header, rows), ""]


REPORTED_TITLE = "Reported figures · 已报告数据"


def by_document(data: ReportData,
                members: list[tuple[int, Target]]) -> list[tuple[str, list[tuple[int, Target]]]]:
    """``members`` grouped by the report each first came from, in the reports' order."""
    order = {d.doc_id: i for i, d in enumerate(data.documents)}
    groups: dict[str, list[tuple[int, Target]]] = {}
    for index, target in members:
        doc_id = target.doc_ids[0] if target.doc_ids else ""
        groups.setdefault(doc_id, []).append((index, target))
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))


def target_groups(data: ReportData) -> list[tuple[str, list[tuple[int, Target]]]]:
    """Goals by deadline year (ascending, no year last), then reported figures."""
    goals: dict[int | None, list[tuple[int, Target]]] = {}
    reported: list[tuple[int, Target]] = []
    for index, target in enumerate(data.merged.targets):
        if target.status == "goal":
            goals.setdefault(target.deadline_year, []).append((index, target))
        else:
            reported.append((index, target))
    groups: list[tuple[str, list[tuple[int, Target]]]] = []
    for year in sorted(goals, key=lambda y: (y is None, y or 0)):
        title = (
            f"Goals by {year} · 到{year}年目标"
            if year is not None
            else "Goals, no deadline · 无期限目标"
        )
        groups.append((title, goals[year]))
    if reported:
        groups.append((REPORTED_TITLE, reported))
    return groups


def _targets_tables(data: ReportData) -> list[str]:
    lines = ["## Targets · 指标", ""]
    if not data.merged.targets:
        return [*lines, "_None._", ""]
    header = ["#", "Metric", "Value", "Original", "Description", "Sources"]

    def table(members: list[tuple[int, Target]]) -> list[str]:
        rows = [
            [
                _label_cell(item_label("target", index)),
                md_cell(target.metric),
                md_cell(_amount(target)),
                md_cell(target.amount_text),
                md_cell(target.description),
                _sources_cell(target.evidence, item_doc_ids(target)),
            ]
            for index, target in members
        ]
        return [*_table(header, rows), ""]

    for title, members in target_groups(data):
        lines += [f"### {title}", ""]
        if title != REPORTED_TITLE:
            lines += table(members)
            continue
        for doc_id, group in by_document(data, members):  # figures that are not goals
            lines += [f"#### [{md_text(short_doc(doc_id))}](#{doc_anchor(doc_id)})", "",
                      *table(group)]
    return lines


def _doc_items(doc: DocumentExtraction) -> list[str]:
    lines: list[str] = []

    def quotes(evidence: Sequence[Evidence]) -> str:
        shown = [f"“{md_text(shorten(ev.shown, 80))}” ({ev.start}–{ev.end})" for ev in evidence]
        return "; ".join(shown)

    items: list[tuple[str, Item, str]] = []
    items += [("Event", ev, f"{event_date(ev) or ev.date_text or '—'}")
              for ev in doc.events]
    items += [("Alliance", al, al.kind) for al in doc.alliances]
    items += [("Target", tg, f"{tg.amount_text}") for tg in doc.targets]
    for kind, item, detail in items:
        name = item.metric if isinstance(item, Target) else item.name
        if isinstance(item, Target):
            detail = f"{detail} → {_amount(item)}, {item.status}"
            if item.deadline_year:
                detail += f" {item.deadline_year}"
        lines.append(f"- **{kind}** {md_text(name)} ({md_text(detail)}): {quotes(item.evidence)}")
    return lines


def _doc_sections(data: ReportData) -> list[str]:
    lines = ["## Documents · 文档", ""]
    for doc in data.documents:
        if doc.error is not None:
            continue
        title = doc.title or doc.path
        lines += [
            f'<a id="{doc_anchor(doc.doc_id)}"></a>',
            "",
            f"### {md_text(title)}",
            "",
            f"- id `{doc.doc_id}` · path `{doc.path.replace('`', '')}` · script {doc.script}"
            f" · published {md_text(dates.as_written(doc.published) or '—')}",
            f"- {len(doc.events)} events, {len(doc.alliances)} alliances, "
            f"{len(doc.targets)} targets"
            + (f", {doc.dropped} dropped (unverified evidence)" if doc.dropped else ""),
        ]
        if doc.content_hash:
            lines.append(f"- hash `{doc.content_hash[:16]}`")
        summary = data.doc_summaries.get(doc.doc_id)
        if summary:
            lines += ["", f"> {md_text(summary)}"]
        items = _doc_items(doc)
        if items:
            lines += ["", *items]
        lines.append("")
    return lines


def _failed(data: ReportData) -> list[str]:
    failures = data.failures()
    if not failures:
        return []
    lines = ["## Failed documents · 失败文档", ""]
    for failed in failures:
        ident = f"`{failed.doc_id}` " if failed.doc_id else ""
        lines.append(f"- {ident}`{failed.path.replace('`', '')}`: {md_text(failed.reason)}")
    return [*lines, ""]


@contextmanager
def labels_for(data: ReportData) -> Iterator[None]:
    """Label documents by file name while one report is rendered."""
    token = DOC_LABELS.set(doc_labels(data))
    try:
        yield
    finally:
        DOC_LABELS.reset(token)


def render_markdown(data: ReportData) -> str:
    with labels_for(data):
        return _render_markdown(data)


def _render_markdown(data: ReportData) -> str:
    lines = [f"# {md_text(data.title)}", "", _run_line(data), ""]
    lines += _summary(data)
    lines += _what_happened(data)
    lines += _events_table(data)
    lines += _alliances_table(data)
    lines += _targets_tables(data)
    lines += _doc_sections(data)
    lines += _failed(data)
    return "\n".join(lines).rstrip() + "\n"
