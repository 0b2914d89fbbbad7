"""Self-contained HTML rendering of a :class:`ReportData`.

One file, nothing fetched: inline CSS, inline JS, inline SVG, no external URL in any
attribute (every ``href`` is a ``#fragment``). Every text value goes through
:func:`html.escape`. Text is shown in the script of the source (no conversion).

Sections: summary, filters (document / kind / year; hidden without JS, in which case
everything is shown), timeline (SVG: events by date above the axis, target deadlines by
year below), tables, evidence cards (each span in ±120 characters of original context,
wrapped in ``<mark data-doc data-start data-end>``), per-document full text with all
spans highlighted, failed documents and run details.

Invariants the tests rely on: every ``<mark>``'s text equals
``originals[data-doc][data-start:data-end]`` (evidence that does not verify against the
original is shown as ``<q class="unverified">`` instead), and the timeline has one
``<g data-marker>`` per event with a dated year and per target with a deadline year.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.extract.schemas import Alliance, DocumentExtraction, Event, Evidence, Target
from agent.report.markdown import (
    REPORTED_TITLE,
    by_document,
    item_anchor,
    short_doc,
    shorten,
    target_groups,
)
from agent.report.model import (
    Item,
    ItemKind,
    ReportData,
    document_items,
    event_date,
    event_sort_key,
    evidence_ok,
    format_usage,
    format_value,
    item_doc_ids,
    item_label,
    item_name,
    item_year,
    join_names,
    run_facts,
)
from agent.text import dates

CONTEXT_CHARS = 120
KIND_NAMES: dict[str, str] = {
    "event": "事件 Event",
    "alliance": "联盟 Alliance",
    "target": "指标 Target",
}


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def doc_anchor(doc_id: str) -> str:
    return f"doc-{doc_id}"


def card_anchor(label: str) -> str:
    return f"ev-{label}"


def span_anchor(doc_id: str, start: int) -> str:
    return f"span-{doc_id}-{start}"


def _item_attrs(kind: str, docs: Iterable[str], year: int | None) -> str:
    return (
        f'data-kind="{esc(kind)}" data-docs="{esc(" ".join(docs))}" '
        f'data-year="{esc(year if year is not None else "none")}"'
    )


def _link(anchor: str, inner_html: str, cls: str = "") -> str:
    """``<a href="#anchor">`` with already-escaped ``inner_html``."""
    klass = f' class="{esc(cls)}"' if cls else ""
    return f'<a{klass} href="#{esc(anchor)}">{inner_html}</a>'


def _doc_link(doc_id: str) -> str:
    return _link(doc_anchor(doc_id), esc(short_doc(doc_id)), "doc-link")


def _attrs_for(kind: ItemKind, item: Item) -> str:
    return _item_attrs(kind, item_doc_ids(item), item_year(item))


# ---------------------------------------------------------------------- highlighting


@dataclass
class _Span:
    start: int
    end: int
    labels: list[str]


def _merge_spans(spans: Iterable[tuple[int, int, str]]) -> list[_Span]:
    """Union of overlapping ranges, so highlight marks never nest or overlap."""
    merged: list[_Span] = []
    for start, end, label in sorted(spans):
        if merged and start < merged[-1].end:
            last = merged[-1]
            last.end = max(last.end, end)
            if label not in last.labels:
                last.labels.append(label)
        else:
            merged.append(_Span(start, end, [label]))
    return merged


def _mark(doc_id: str, start: int, end: int, text: str, extra: str = "") -> str:
    return (
        f'<mark data-doc="{esc(doc_id)}" data-start="{start}" data-end="{end}"{extra}>'
        f"{esc(text)}</mark>"
    )


class _Highlights:
    """All verified spans per document, merged, for the full-text view and links."""

    def __init__(self, data: ReportData) -> None:
        raw: dict[str, list[tuple[int, int, str]]] = {}
        for label, _kind, item in data.labelled_items():
            for ev in item.evidence:
                if evidence_ok(ev, data.originals):
                    raw.setdefault(ev.doc_id, []).append((ev.start, ev.end, label))
        for doc in data.documents:
            for doc_item in document_items(doc):
                for ev in doc_item.evidence:
                    if evidence_ok(ev, data.originals):
                        raw.setdefault(ev.doc_id, []).append((ev.start, ev.end, ""))
        self.spans: dict[str, list[_Span]] = {}
        for doc_id, spans in raw.items():
            merged = _merge_spans(spans)
            for span in merged:
                span.labels = [label for label in span.labels if label]
            self.spans[doc_id] = merged

    def containing(self, ev: Evidence) -> _Span | None:
        for span in self.spans.get(ev.doc_id, []):
            if span.start <= ev.start and ev.end <= span.end:
                return span
        return None

    def full_text(self, doc_id: str, original: str) -> str:
        out: list[str] = []
        pos = 0
        for span in self.spans.get(doc_id, []):
            out.append(esc(original[pos : span.start]))
            title = " ".join(span.labels)
            extra = f' id="{esc(span_anchor(doc_id, span.start))}"'
            if title:
                extra += f' data-refs="{esc(title)}" title="{esc(title)}"'
            out.append(_mark(doc_id, span.start, span.end, original[span.start : span.end], extra))
            pos = span.end
        out.append(esc(original[pos:]))
        return "".join(out)


def _context(ev: Evidence, data: ReportData, highlights: _Highlights) -> str:
    doc_link = _doc_link(ev.doc_id)
    original = data.originals.get(ev.doc_id)
    if original is None or not evidence_ok(ev, data.originals):
        why = "original text not available" if original is None else "offsets do not match original"
        return (
            f'<div class="ctx">{doc_link} <q class="unverified" title="{esc(why)}">'
            f'{esc(ev.shown)}</q> <span class="muted">({esc(why)})</span></div>'
        )
    lo = max(0, ev.start - CONTEXT_CHARS)
    hi = min(len(original), ev.end + CONTEXT_CHARS)
    before = ("…" if lo > 0 else "") + original[lo : ev.start]
    after = original[ev.end : hi] + ("…" if hi < len(original) else "")
    span = highlights.containing(ev)
    jump = ""
    if span is not None:
        jump = f' <a class="jump" href="#{esc(span_anchor(ev.doc_id, span.start))}">全文定位 ↧</a>'
    return (
        f'<div class="ctx"><div class="ctx-head">{doc_link} '
        f'<span class="muted">{_page(ev)}[{ev.start}:{ev.end}]</span>{jump}</div>'
        f'<p class="context">{esc(before)}{_mark(ev.doc_id, ev.start, ev.end, ev.quote)}'
        f"{esc(after)}</p></div>"
    )


# ---------------------------------------------------------------------- pieces


def _page(ev: Evidence) -> str:
    return f"第{ev.page}页 " if ev.page else ""


def _sources_cell(item: Item) -> str:
    parts: list[str] = []
    covered: set[str] = set()
    for ev in item.evidence:
        covered.add(ev.doc_id)
        parts.append(
            f'{_doc_link(ev.doc_id)} <span class="muted">{_page(ev)}</span>'
            f'<span class="quote" title="{esc(ev.quote)}">“{esc(shorten(ev.shown))}”</span>'
        )
    for doc_id in item_doc_ids(item):
        if doc_id not in covered:
            parts.append(_doc_link(doc_id))
    return "<br>".join(parts) if parts else "—"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return esc(text) if text.strip() else '<span class="muted">—</span>'


def _amount(target: Target) -> str:
    value = f'<span class="num">{esc(format_value(target.value))}</span>'
    unit = f" {esc(target.unit)}" if target.unit else ""
    qualifier = f' <span class="qual">{esc(target.qualifier)}</span>' if target.qualifier else ""
    return f"{value}{unit}{qualifier}"


def _label_cell(label: str) -> str:
    return f'<a class="label" href="#{esc(card_anchor(label))}" title="evidence">{esc(label)}</a>'


def _row(label: str, kind: ItemKind, item: Item, cells: Sequence[str]) -> str:
    tds = "".join(f"<td>{cell}</td>" for cell in cells)
    return (
        f'<tr class="item" id="{esc(item_anchor(label))}" {_attrs_for(kind, item)}>'
        f'<td>{_label_cell(label)}</td>{tds}<td class="src">{_sources_cell(item)}</td></tr>'
    )


def _table(header: Sequence[str], rows: Sequence[str], cls: str) -> str:
    ths = "".join(f"<th>{esc(h)}</th>" for h in header)
    return (
        f'<div class="table-wrap"><table class="{esc(cls)}"><thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _run_line(data: ReportData) -> str:
    parts = [esc(p) for p in run_facts(data, language="zh")]
    if data.run.model:
        parts.append(f"模型 <code>{esc(data.run.model)}</code>")
    if data.run.usage:
        parts.append(esc(format_usage(data.run.usage)))
    return " · ".join(parts)


# ---------------------------------------------------------------------- sections


def _summary(data: ReportData) -> str:
    counts = (
        f'<p class="counts"><span class="badge event">{len(data.merged.events)} 事件</span> '
        f'<span class="badge alliance">{len(data.merged.alliances)} 联盟</span> '
        f'<span class="badge target">{len(data.merged.targets)} 指标</span></p>'
    )
    if not data.overview:
        body = '<p class="muted">本次运行未生成概要。No overview was written for this run.</p>'
    else:
        items = []
        for sentence in data.overview:
            refs = []
            for ref in sentence.refs:
                resolved = data.resolve_ref(ref)
                if resolved is not None:
                    label, kind, _item = resolved
                    refs.append(_link(item_anchor(label), esc(label), f"ref {kind}"))
            items.append(f"<li>{esc(sentence.text)} {''.join(refs)}</li>")
        body = f'<ul class="overview">{"".join(items)}</ul>'
        if data.overview_source == "template":
            body += ('<p class="muted">按抽取条目自动生成（模型概要不可用）。Built from the '
                     "extracted items (the model's summary was not available).</p>")
    return f'<section id="summary"><h2>概要 Executive summary</h2>{counts}{body}</section>'


def _what_happened(data: ReportData) -> str:
    """Alliances founded, policy documents issued, goals by deadline: from the items."""
    from agent.report.digest import deadline_heading, goal_text, what_happened

    digest = what_happened(data)
    if digest is None:
        return ""
    founded, issued, goals = digest.founded, digest.issued, digest.goals

    def ref(label: str) -> str:
        return _link(item_anchor(label), esc(label), "ref")

    parts = ['<section id="happened"><h2>要点 What happened</h2>']
    if founded:
        rows = [f"<tr><td>{ref(f.label)}</td><td>{_cell(f.alliance.name)}</td>"
                f"<td>{_cell(f.alliance.lead)}</td><td>{_cell(dates.as_written(f.date))}</td>"
                f"<td>{_cell(f.place)}</td></tr>" for f in founded]
        parts += ["<h3>成立的联盟、共同体与协议</h3>",
                  _table(["#", "名称", "牵头", "日期", "地点"], rows, "happened")]
    if issued:
        rows = [f"<tr><td>{ref(x.label)}</td><td>{_cell(join_names(x.issuers, 4))}</td>"
                f"<td>{_cell(x.title)}</td><td>{_cell(dates.as_written(x.date))}</td></tr>"
                for x in issued]
        parts += ["<h3>发布的政策文件</h3>",
                  _table(["#", "发文单位", "文件", "日期"], rows, "happened")]
    if goals:
        items = []
        for year, group in goals:
            shown = "；".join(f"{ref(label)} {esc(goal_text(t))}"
                             for label, t in group)
            items.append(f"<li><strong>{esc(deadline_heading(year))}</strong>：{shown}</li>")
        parts += ["<h3>目标（按期限）</h3>", f'<ul class="goals">{"".join(items)}</ul>']
    parts.append("</section>")
    return "".join(parts)


def _filters(data: ReportData) -> str:
    docs = [doc for doc in data.documents if doc.error is None]
    years: set[int] = set()
    has_none = False
    for _label, _kind, item in data.labelled_items():
        year = item_year(item)
        if year is None:
            has_none = True
        else:
            years.add(year)

    def box(name: str, value: str, text: str, title: str = "") -> str:
        tip = f' title="{esc(title)}"' if title else ""
        return (
            f'<label class="chk"{tip}><input type="checkbox" name="{esc(name)}" '
            f'value="{esc(value)}" checked> {esc(text)}</label>'
        )

    doc_boxes = "".join(
        box(
            "doc",
            doc.doc_id,
            short_doc(doc.doc_id) + " " + shorten(doc.title or doc.path, 14),
            doc.path,
        )
        for doc in docs
    )
    kind_boxes = "".join(
        box("kind", kind, KIND_NAMES[kind]) for kind in ("event", "alliance", "target")
    )
    year_boxes = "".join(box("year", str(year), str(year)) for year in sorted(years))
    if has_none:
        year_boxes += box("year", "none", "无年份")

    def fieldset(name: str, legend: str, boxes: str) -> str:
        return (
            f'<fieldset data-group="{esc(name)}"><legend>{esc(legend)}</legend>{boxes}'
            f'<span class="fs-btns"><button type="button" data-all="{esc(name)}">全选</button>'
            f'<button type="button" data-none="{esc(name)}">清空</button></span></fieldset>'
        )

    return (
        '<form id="filters" class="filters" onsubmit="return false">'
        f"{fieldset('doc', '文档 Document', doc_boxes)}"
        f"{fieldset('kind', '类型 Kind', kind_boxes)}"
        f"{fieldset('year', '年份 Year', year_boxes)}"
        '<p class="filter-status muted" id="filter-status"></p></form>'
    )


def _text_width(text: str, size: float = 12.0) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


@dataclass
class _Marker:
    x: float
    label: str
    kind: ItemKind
    item: Item
    text: str
    tooltip: str


def _label_box(marker: _Marker, svg_width: float) -> tuple[float, float, bool]:
    """``(left, right, anchor_end)`` of a marker's label; flipped left near the right edge."""
    width = _text_width(marker.text)
    if marker.x - 3 + width > svg_width - 4:
        return marker.x + 3 - width, marker.x + 3, True
    return marker.x - 3, marker.x - 3 + width, False


def _rows_for(markers: list[_Marker], svg_width: float) -> list[int]:
    """Greedy label rows so labels on one side never overlap."""
    row_ends: list[float] = []
    rows: list[int] = []
    for marker in sorted(markers, key=lambda m: _label_box(m, svg_width)[0]):
        left, right, _end = _label_box(marker, svg_width)
        for index, end in enumerate(row_ends):
            if left > end + 8:
                row_ends[index] = right
                rows.append(index)
                break
        else:
            row_ends.append(right)
            rows.append(len(row_ends) - 1)
    order = sorted(range(len(markers)), key=lambda i: _label_box(markers[i], svg_width)[0])
    by_marker = [0] * len(markers)
    for position, index in enumerate(order):
        by_marker[index] = rows[position]
    return by_marker


def _timeline(data: ReportData) -> str:
    events: list[tuple[float, int, Event]] = []
    for index, event in enumerate(data.merged.events):
        parsed = dates.parse_iso(event.date)
        if parsed is None:
            continue
        year, month, day = parsed
        if year is None:
            continue
        frac = 0.5 if month is None else (month - 1 + ((day or 15) - 1) / 31) / 12
        events.append((year + frac, index, event))
    targets = [  # deadlines of goals only: a reported 2023 figure has no deadline
        (t.deadline_year, i, t) for i, t in enumerate(data.merged.targets)
        if t.deadline_year and t.status == "goal"
    ]
    head = '<section id="timeline"><h2>时间线 Timeline</h2>'
    if not events and not targets:
        return head + '<p class="muted">没有带日期的事件或带期限的指标。</p></section>'
    years = [int(pos) for pos, _i, _e in events] + [int(y) for y, _i, _t in targets if y]
    first, last = min(years), max(years)
    width, left, right = 1160.0, 40.0, 40.0
    span = (last + 1 - first) or 1
    scale = (width - left - right) / span

    def x_of(pos: float) -> float:
        return left + (pos - first) * scale

    upper: list[_Marker] = []
    for pos, index, event in sorted(events, key=lambda e: (e[0], e[1])):
        label = item_label("event", index)
        upper.append(
            _Marker(
                x_of(pos),
                label,
                "event",
                event,
                f"{label} {shorten(event.name, 12)}",
                f"{label} {dates.as_written(event.date)} {event.name}",
            )
        )
    lower: list[_Marker] = []
    by_year: dict[int, list[tuple[int, Target]]] = {}
    for year, index, target in targets:
        assert year is not None
        by_year.setdefault(year, []).append((index, target))
    for year in sorted(by_year):
        group = by_year[year]
        for position, (index, target) in enumerate(group):
            label = item_label("target", index)
            pos = year + (position + 1) / (len(group) + 1)
            amount = f"{target.qualifier or ''}{format_value(target.value)}{target.unit or ''}"
            lower.append(
                _Marker(
                    x_of(pos),
                    label,
                    "target",
                    target,
                    f"{label} {shorten(target.metric, 8)} {amount}",
                    f"{label} 到{year}年 {target.metric} {target.amount_text}",
                )
            )
    up_rows, low_rows = _rows_for(upper, width), _rows_for(lower, width)
    row_h = 20.0
    top_h = 40.0 + (max(up_rows) + 1 if up_rows else 0) * row_h
    axis_y = top_h
    height = axis_y + 40.0 + (max(low_rows) + 1 if low_rows else 0) * row_h + 10.0
    parts: list[str] = [
        f'<svg class="timeline" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="时间线" preserveAspectRatio="xMinYMin meet">'
    ]
    for year in range(first, last + 2):
        x = x_of(year)
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{axis_y - 6:.1f}" x2="{x:.1f}" '
            f'y2="{axis_y + 6:.1f}"/>'
        )
        if year <= last:
            band = x_of(year + 0.5)
            parts.append(
                f'<text class="year" x="{band:.1f}" y="{axis_y + 4:.1f}" '
                f'text-anchor="middle">{year}</text>'
            )
    parts.insert(
        1,
        f'<line class="axis" x1="{left:.1f}" y1="{axis_y:.1f}" x2="{width - right:.1f}" '
        f'y2="{axis_y:.1f}"/>',
    )

    def draw(marker: _Marker, row: int, above: bool) -> str:
        y_mark = axis_y - 14 if above else axis_y + 14
        y_text = axis_y - 30 - row * row_h if above else axis_y + 40 + row * row_h
        y_line_end = y_text + 4 if above else y_text - 12
        flip = _label_box(marker, width)[2]
        text_x = marker.x + 3 if flip else marker.x - 3
        anchor = ' text-anchor="end"' if flip else ""
        if marker.kind == "event":
            shape = f'<circle class="dot" cx="{marker.x:.1f}" cy="{y_mark:.1f}" r="5"/>'
        else:
            x, y = marker.x, y_mark
            shape = (
                f'<path class="diamond" d="M{x:.1f} {y - 6:.1f} L{x + 6:.1f} {y:.1f} '
                f'L{x:.1f} {y + 6:.1f} L{x - 6:.1f} {y:.1f} Z"/>'
            )
        return (
            f'<g class="item tl {marker.kind}" data-marker="{esc(marker.label)}" '
            f"{_attrs_for(marker.kind, marker.item)}>"
            f'<a href="#{esc(item_anchor(marker.label))}"><title>{esc(marker.tooltip)}</title>'
            f'<line class="leader" x1="{marker.x:.1f}" y1="{y_mark:.1f}" x2="{marker.x:.1f}" '
            f'y2="{y_line_end:.1f}"/>{shape}'
            f'<text class="tl-label" x="{text_x:.1f}" y="{y_text:.1f}"{anchor}>'
            f"{esc(marker.text)}</text>"
            "</a></g>"
        )

    # draw top rows first so the leaders of lower rows are painted over by nothing
    for marker, row in sorted(zip(upper, up_rows, strict=True), key=lambda p: -p[1]):
        parts.append(draw(marker, row, above=True))
    for marker, row in sorted(zip(lower, low_rows, strict=True), key=lambda p: -p[1]):
        parts.append(draw(marker, row, above=False))
    parts.append(
        f'<text class="lane" x="4" y="{axis_y - 16:.1f}">事件</text>'
        f'<text class="lane" x="4" y="{axis_y + 22:.1f}">期限</text>'
    )
    parts.append("</svg>")
    legend = (
        '<p class="legend muted"><span class="dot-key"></span> 事件（按日期） '
        '<span class="diamond-key"></span> 指标期限（按年份）</p>'
    )
    return head + "".join(parts) + legend + "</section>"


def _events(data: ReportData) -> str:
    order = sorted(enumerate(data.merged.events), key=lambda pair: event_sort_key(pair[1]))
    events = data.merged.events
    # A column no event fills is left out.
    optional = [("地点", any(e.location for e in events)),
                ("主办", any(e.organizers for e in events)),
                ("承办", any(e.hosts for e in events))]
    shown = [used for _, used in optional]
    rows = []
    for index, event in order:
        date = esc(event_date(event))
        if event.date_text and event.date_text != dates.as_written(event.date):
            date = (
                f'{date} <span class="muted">{esc(event.date_text)}</span>'
                if date
                else esc(event.date_text)
            )
        rows.append(
            _row(
                item_label("event", index),
                "event",
                event,
                [
                    date or '<span class="muted">—</span>',
                    f"<strong>{esc(event.name)}</strong>",
                    _cell(event.event_type),
                    *_chosen(shown, [_cell(event.location), _cell(join_names(event.organizers)),
                                     _cell(join_names(event.hosts))]),
                ],
            )
        )
    header = ["#", "日期 Date", "事件 Event", "类型", *_chosen(shown, [n for n, _ in optional]),
              "来源 Sources"]
    body = _table(header, rows, "events") if rows else '<p class="muted">无。</p>'
    return f'<section id="events"><h2>事件 Events</h2>{body}</section>'


def _chosen(shown: list[bool], values: list[str]) -> list[str]:
    return [v for v, keep in zip(values, shown, strict=True) if keep]


def _alliances(data: ReportData) -> str:
    alliances = data.merged.alliances
    optional = [("牵头", any(a.lead for a in alliances)),
                ("成员", any(a.members for a in alliances)),
                ("成立", any(a.founded for a in alliances))]
    shown = [used for _, used in optional]
    rows = []
    for index, alliance in enumerate(data.merged.alliances):
        name = f"<strong>{esc(alliance.name)}</strong>"
        if alliance.aliases:
            name += f'<div class="muted">又称：{esc(join_names(alliance.aliases))}</div>'
        rows.append(
            _row(
                item_label("alliance", index),
                "alliance",
                alliance,
                [
                    name,
                    f'<span class="kind">{esc(alliance.kind)}</span>',
                    *_chosen(shown, [_cell(alliance.lead), _cell(join_names(alliance.members, 8)),
                                     _cell(dates.as_written(alliance.founded))]),
                ],
            )
        )
    header = ["#", "名称 Name", "类别", *_chosen(shown, [n for n, _ in optional]),
              "来源 Sources"]
    body = _table(header, rows, "alliances") if rows else '<p class="muted">无。</p>'
    return f'<section id="alliances"><h2>联盟 / 共同体 / 协议 Alliances</h2>{body}</section>'


def _targets(data: ReportData) -> str:
    if not data.merged.targets:
        return '<section id="targets"><h2>指标 Targets</h2><p class="muted">无。</p></section>'
    header = ["#", "指标 Metric", "数值", "原文", "说明", "来源 Sources"]
    blocks = []
    def table(members: list[tuple[int, Target]]) -> str:
        rows = [
            _row(
                item_label("target", index),
                "target",
                target,
                [
                    esc(target.metric),
                    _amount(target),
                    f'<span class="orig">{esc(target.amount_text)}</span>',
                    _cell(target.description),
                ],
            )
            for index, target in members
        ]
        return _table(header, rows, "targets")

    for title, members in target_groups(data):
        if title != REPORTED_TITLE:
            blocks.append(f"<h3>{esc(title)}</h3>{table(members)}")
            continue
        # Figures that are not goals: collapsed, one table per report.
        parts = "".join(f"<h4>{_doc_link(doc_id)}</h4>{table(group)}"
                        for doc_id, group in by_document(data, members))
        blocks.append(f'<details class="reported"><summary><h3>{esc(title)}（{len(members)}）'
                      f"</h3></summary>{parts}</details>")
    return f'<section id="targets"><h2>指标 Targets</h2>{"".join(blocks)}</section>'


def _details_line(kind: ItemKind, item: Item) -> str:
    bits: list[str] = []
    if isinstance(item, Event):
        bits = [item.event_type, event_date(item) or item.date_text or "",
                item.location or ""]
    elif isinstance(item, Alliance):
        bits = [item.kind, f"牵头 {item.lead}" if item.lead else "",
                dates.as_written(item.founded) or ""]
    elif isinstance(item, Target):
        status = "目标" if item.status == "goal" else "已报告"
        deadline = f"到{item.deadline_year}年" if item.deadline_year else ""
        bits = [status, deadline, item.amount_text]
    return " · ".join(esc(bit) for bit in bits if bit)


def _evidence_cards(data: ReportData, highlights: _Highlights) -> str:
    cards = []
    for label, kind, item in data.labelled_items():
        contexts = "".join(_context(ev, data, highlights) for ev in item.evidence)
        if not contexts:
            contexts = '<p class="muted">无证据。</p>'
        cards.append(
            f'<article class="item card {esc(kind)}" id="{esc(card_anchor(label))}" '
            f"{_attrs_for(kind, item)}>"
            f"<header>{_link(item_anchor(label), esc(label), f'label {kind}')} "
            f"<strong>{esc(item_name(item))}</strong> "
            f'<span class="muted">{_details_line(kind, item)}</span></header>{contexts}</article>'
        )
    body = "".join(cards) if cards else '<p class="muted">无。</p>'
    return (
        '<section id="evidence"><h2>证据 Evidence in context</h2>'
        f'<p class="muted">原文前后各 {CONTEXT_CHARS} 字，引文高亮。</p>'
        f'<div class="cards">{body}</div></section>'
    )


def _doc_item_list(doc: DocumentExtraction, highlights: _Highlights) -> str:
    entries: list[str] = []
    rows: list[tuple[ItemKind, Item]] = [
        *(("event", it) for it in doc.events),
        *(("alliance", it) for it in doc.alliances),
        *(("target", it) for it in doc.targets),
    ]
    for kind, item in rows:
        links = []
        for ev in item.evidence:
            span = highlights.containing(ev)
            quote = esc(shorten(ev.shown, 30))
            if span is not None:
                links.append(f'<a href="#{esc(span_anchor(ev.doc_id, span.start))}">“{quote}”</a>')
            else:
                links.append(f'<q class="unverified">{quote}</q>')
        extra = ""
        if isinstance(item, Target):
            extra = f" {_amount(item)}"
        entries.append(
            f'<li><span class="badge {esc(kind)}">{esc(KIND_NAMES[kind].split()[0])}</span> '
            f'{esc(item_name(item))}{extra} <span class="muted">{" ".join(links)}</span></li>'
        )
    return f'<ul class="doc-items">{"".join(entries)}</ul>' if entries else ""


def _documents(data: ReportData, highlights: _Highlights) -> str:
    blocks = []
    for doc in data.documents:
        if doc.error is not None:
            continue
        meta = [
            ("ID", f"<code>{esc(doc.doc_id)}</code>"),
            ("路径", f"<code>{esc(doc.path)}</code>"),
            ("字形", esc(doc.script)),
            ("发布", esc(dates.as_written(doc.published) or "—")),
            (
                "数量",
                f"{len(doc.events)} 事件 · {len(doc.alliances)} 联盟 · {len(doc.targets)} 指标"
                + (f" · {doc.dropped} 条证据未通过校验" if doc.dropped else ""),
            ),
        ]
        if doc.content_hash:
            meta.append(("哈希", f"<code>{esc(doc.content_hash[:16])}</code>"))
        dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta)
        summary = data.doc_summaries.get(doc.doc_id)
        summary_html = (
            f'<blockquote class="doc-summary">{esc(summary)}</blockquote>' if summary else ""
        )
        original = data.originals.get(doc.doc_id)
        if original is not None:
            count = len(highlights.spans.get(doc.doc_id, []))
            full = (
                '<details class="full">'
                f"<summary>全文（{len(original)} 字，{count} 处高亮）</summary>"
                '<div class="fulltext" lang="zh">'
                f"{highlights.full_text(doc.doc_id, original)}</div>"
                "</details>"
            )
        else:
            full = '<p class="muted">原文未随报告提供。</p>'
        blocks.append(
            f'<article class="docsec" id="{esc(doc_anchor(doc.doc_id))}" '
            f'data-doc="{esc(doc.doc_id)}">'
            f'<h3>{esc(doc.title or doc.path)}</h3><dl class="meta inline">{dl}</dl>{summary_html}'
            f"{_doc_item_list(doc, highlights)}{full}</article>"
        )
    body = "".join(blocks) if blocks else '<p class="muted">无。</p>'
    return f'<section id="documents"><h2>文档 Documents</h2>{body}</section>'


def _failed(data: ReportData) -> str:
    failures = data.failures()
    if not failures:
        return ""
    items = "".join(
        f"<li><code>{esc(f.path)}</code>"
        + (f' <span class="muted">{esc(f.doc_id)}</span>' if f.doc_id else "")
        + f'<div class="reason">{esc(f.reason)}</div></li>'
        for f in failures
    )
    return (
        '<section id="failed"><h2>失败文档 Failed documents</h2>'
        f'<ul class="failed">{items}</ul></section>'
    )


def _run_details(data: ReportData) -> str:
    run = data.run
    rows = [("模型 Model", esc(run.model or "—"))]
    if run.prompt_versions:
        rows.append(
            (
                "提示词版本 Prompts",
                ", ".join(
                    f"{esc(k)} <code>{esc(v)}</code>"
                    for k, v in sorted(run.prompt_versions.items())
                ),
            )
        )
    if run.usage:
        rows.append(("用量 Usage", esc(format_usage(run.usage))))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    hashes = ""
    if run.document_hashes:
        trs = "".join(
            f"<tr><td><code>{esc(doc_id)}</code></td><td><code>{esc(digest)}</code></td></tr>"
            for doc_id, digest in sorted(run.document_hashes.items())
        )
        hashes = (
            "<details><summary>文档哈希 Document hashes</summary>"
            '<div class="table-wrap"><table class="hashes">'
            f"<thead><tr><th>doc_id</th><th>hash</th></tr></thead><tbody>{trs}</tbody></table></div></details>"
        )
    return f'<section id="run"><h2>运行信息 Run</h2><dl class="meta">{dl}</dl>{hashes}</section>'


def _toc(data: ReportData) -> str:
    links = [
        ("summary", "概要"),
        ("happened", "要点"),
        ("timeline", "时间线"),
        ("events", "事件"),
        ("alliances", "联盟"),
        ("targets", "指标"),
        ("evidence", "证据"),
        ("documents", "文档"),
    ]
    if data.failures():
        links.append(("failed", "失败"))
    links.append(("run", "运行"))
    return '<nav class="toc">' + "".join(f'<a href="#{a}">{t}</a>' for a, t in links) + "</nav>"


CSS = """
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#ffffff;--soft:#f6f8fa;
--event:#2563eb;--alliance:#059669;--target:#c2410c;--mark:#fde68a}
*{box-sizing:border-box}
html{font-family:"Noto Sans CJK SC","Noto Sans CJK TC","WenQuanYi Micro Hei",sans-serif;
color:var(--fg);background:var(--bg);font-size:15px;line-height:1.6}
body{margin:0 auto;max-width:1240px;padding:24px 28px 64px}
h1{font-size:1.7rem;margin:0 0 4px}
h2{font-size:1.3rem;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:20px 0 8px}
a{color:var(--event);text-decoration:none}
a:hover{text-decoration:underline}
code{font-family:"Noto Sans Mono CJK SC",monospace;font-size:.85em;background:var(--soft);
padding:1px 4px;border-radius:4px}
.muted{color:var(--muted);font-size:.9em}
.run{color:var(--muted);margin:0 0 12px}
.toc{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.95);
border-bottom:1px solid var(--line);
padding:6px 0;margin-bottom:8px}
.toc a{margin-right:14px;font-weight:600}
.filters{display:none;gap:10px;flex-wrap:wrap;background:var(--soft);
border:1px solid var(--line);
border-radius:8px;padding:8px 12px;margin:8px 0}
.js .filters{display:flex}
.filters fieldset{border:0;margin:0;padding:0 12px 0 0}
.filters legend{font-weight:600;font-size:.85em;color:var(--muted);padding:0}
.chk{display:inline-block;margin:0 10px 0 0;font-size:.9em;white-space:nowrap}
.fs-btns button{font:inherit;font-size:.75em;margin-left:2px;border:1px solid var(--line);
background:#fff;border-radius:4px;cursor:pointer;padding:0 6px}
.filter-status{flex-basis:100%;margin:0}
.filtered-out{display:none!important}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8em;color:#fff;
font-weight:600}
.badge.event{background:var(--event)}.badge.alliance{background:var(--alliance)}
.badge.target{background:var(--target)}
.overview li{margin:4px 0}
.ref{display:inline-block;font-size:.75em;font-weight:700;border:1px solid currentColor;
border-radius:4px;
padding:0 4px;margin-left:3px;line-height:1.4;vertical-align:1px}
.ref.event,.label.event{color:var(--event)}.ref.alliance,.label.alliance{color:var(--alliance)}
.ref.target,.label.target{color:var(--target)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:4px 0 12px}
th,td{border:1px solid var(--line);padding:5px 8px;vertical-align:top;text-align:left}
th{background:var(--soft);white-space:nowrap}
tr:target,article:target{outline:2px solid var(--mark);background:#fffbeb}
td.src{font-size:.85em;min-width:180px;max-width:300px}
td .quote{color:var(--muted)}
.label{font-weight:700;white-space:nowrap}
.num{font-weight:700;font-variant-numeric:tabular-nums}
.qual{font-size:.8em;background:var(--soft);border:1px solid var(--line);border-radius:4px;
padding:0 4px}
.orig{background:#fff7ed;padding:0 3px;border-radius:3px}
.kind{white-space:nowrap}
table.events td:nth-child(2),table.events td:nth-child(4),table.alliances td:nth-child(3),
table.targets td:nth-child(3),table.targets td:nth-child(4){white-space:nowrap}
svg.timeline{width:100%;height:auto;display:block;background:var(--soft);
border:1px solid var(--line);
border-radius:8px;font-family:inherit}
svg .axis{stroke:#57606a;stroke-width:2}
svg .tick{stroke:#57606a;stroke-width:1.5}
svg .year{font-size:13px;font-weight:700;fill:#57606a;paint-order:stroke;stroke:var(--soft);
stroke-width:6px}
svg .lane{font-size:11px;fill:var(--muted)}
svg .leader{stroke:#8c959f;stroke-width:1;stroke-dasharray:2 2}
svg .dot{fill:var(--event);stroke:#fff;stroke-width:1.5}
svg .diamond{fill:var(--target);stroke:#fff;stroke-width:1.5}
svg .tl-label{font-size:12px;fill:var(--fg);paint-order:stroke;stroke:var(--soft);
stroke-width:4px}
svg .tl.event .tl-label{fill:#1e40af}svg .tl.target .tl-label{fill:#9a3412}
svg a:hover .tl-label{text-decoration:underline}
.legend .dot-key,.legend .diamond-key{display:inline-block;width:10px;height:10px;
margin:0 2px 0 10px}
.dot-key{background:var(--event);border-radius:50%}
.diamond-key{background:var(--target);transform:rotate(45deg)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(540px,100%),1fr));gap:12px;
align-items:start}
.card{border:1px solid var(--line);border-left:4px solid var(--line);border-radius:6px;
padding:8px 12px;
background:#fff}
.card.event{border-left-color:var(--event)}.card.alliance{border-left-color:var(--alliance)}
.card.target{border-left-color:var(--target)}
.ctx{margin-top:6px}
.ctx-head{font-size:.85em}
.jump{margin-left:6px;font-size:.9em}
.context{margin:2px 0 0;white-space:pre-wrap;font-size:.9em;color:#424a53;
background:var(--soft);
border-radius:4px;padding:6px 8px;word-break:break-all}
mark{background:var(--mark);color:#000;border-radius:2px;padding:0 1px}
q.unverified{background:#fee2e2;quotes:"“" "”"}
.docsec{border-top:1px dashed var(--line);padding-top:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0;
font-size:.9em}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
dl.meta.inline{display:flex;flex-wrap:wrap;gap:2px 6px;align-items:baseline}
dl.meta.inline dd{margin-right:14px}
.doc-summary{margin:8px 0;padding:4px 12px;border-left:3px solid var(--line);color:#424a53}
.doc-items{font-size:.9em;padding-left:20px}
details.full summary,details summary{cursor:pointer;color:var(--event);font-weight:600;
margin:6px 0}
.fulltext{white-space:pre-wrap;word-break:break-all;background:var(--soft);
border:1px solid var(--line);
border-radius:6px;padding:10px 14px;font-size:.92em;max-height:560px;overflow:auto}
details.reported summary h3{display:inline}.failed li{margin:6px 0}.failed .reason{color:#b91c1c}
@media (max-width:600px){body{padding:12px 10px 40px}td.src{min-width:0}}
@media print{.toc,.filters{display:none!important}details{display:block}}
"""

JS = """
(function(){
  var root=document.documentElement;root.classList.add('js');
  var form=document.getElementById('filters');if(!form){return;}
  function sel(name){var s={};var boxes=form.querySelectorAll('input[name="'+name+'"]');
    for(var i=0;i<boxes.length;i++){if(boxes[i].checked){s[boxes[i].value]=true;}}return s;}
  function apply(){
    var docs=sel('doc'),kinds=sel('kind'),years=sel('year');var shown=0,total=0;
    var items=document.querySelectorAll('[data-kind]');
    for(var i=0;i<items.length;i++){var el=items[i];
      var ds=(el.getAttribute('data-docs')||'').split(' ');var okDoc=false,any=false;
      for(var j=0;j<ds.length;j++){if(ds[j]){any=true;if(docs[ds[j]]){okDoc=true;}}}
      if(!any){okDoc=true;}
      var ok=okDoc&&kinds[el.getAttribute('data-kind')]&&
        years[el.getAttribute('data-year')||'none'];
      el.classList.toggle('filtered-out',!ok);
      if(el.tagName==='TR'){total++;if(ok){shown++;}}}
    var secs=document.querySelectorAll('.docsec');
    for(var k=0;k<secs.length;k++){
      secs[k].classList.toggle('filtered-out',!docs[secs[k].getAttribute('data-doc')]);}
    var st=document.getElementById('filter-status');
    if(st){st.textContent='显示 '+shown+' / '+total+' 条';}
  }
  form.addEventListener('change',apply);
  form.addEventListener('click',function(e){var t=e.target;
    var name=t.getAttribute('data-all')||t.getAttribute('data-none');
    if(!name){return;}var on=!!t.getAttribute('data-all');
    var boxes=form.querySelectorAll('input[name="'+name+'"]');for(var i=0;i<boxes.length;i++){
      boxes[i].checked=on;}apply();});
  function openTarget(){var id=decodeURIComponent(location.hash.slice(1));if(!id){return;}
    var el=document.getElementById(id);var p=el;while(p){if(p.tagName==='DETAILS'){p.open=true;}
      p=p.parentElement;}
    if(el){el.scrollIntoView({block:'center'});}}
  window.addEventListener('hashchange',openTarget);
  apply();if(location.hash){openTarget();}
})();
"""


def render_html(data: ReportData) -> str:
    from agent.report.markdown import labels_for

    with labels_for(data):
        return _render_html(data)


def _render_html(data: ReportData) -> str:
    highlights = _Highlights(data)
    body = "".join(
        [
            f'<header><h1>{esc(data.title)}</h1><p class="run">{_run_line(data)}</p></header>',
            _toc(data),
            _filters(data),
            _summary(data),
            _what_happened(data),
            _timeline(data),
            _events(data),
            _alliances(data),
            _targets(data),
            _evidence_cards(data, highlights),
            _documents(data, highlights),
            _failed(data),
            _run_details(data),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(data.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n<script>{JS}</script>\n</body>\n</html>\n"
    )
