"""Spreadsheet exports of a report: one sheet (XLSX, openpyxl) or file (CSV) per kind.

Sheets and their columns are stable (documented in the README):

* ``events``, ``alliances``, ``targets``: one row per merged item with every field; lists
  joined by ``；`` (names hold ``、`` often, ``；`` practically never); ``files`` are the
  reports the item was found in.
* ``evidence``: one row per verified span: the item it supports (``item_id`` = ``E1``,
  ``A3``, ``T2`` as in the report), the file, ``page`` (PDF), ``start``/``end`` (offsets
  into the stored original), the ``quote`` (exactly ``original[start:end]``) and ``text``
  (the same span as a reader is shown it: no pinyin glue, no bylines).

A text that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
``@``) is written with a leading apostrophe in CSV and as a plain string in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from agent.extract.schemas import Alliance, Event, Target
from agent.ingest.sources import display_name
from agent.report.model import ReportData, item_label

LIST_SEPARATOR = "；"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def _join(values: Sequence[str]) -> str:
    return LIST_SEPARATOR.join(values)


Files = Callable[[Sequence[str]], str]


def _event(files: Files, label: str, e: Event) -> list[Cell]:
    return [label, e.name, e.event_type, e.date, e.date_text, e.location, _join(e.organizers),
            _join(e.hosts), e.document, files(e.doc_ids), _join(e.aliases), e.date_inferred]


def _alliance(files: Files, label: str, a: Alliance) -> list[Cell]:
    return [label, a.name, a.kind, a.lead, _join(a.members), a.founded,
            files(a.doc_ids), _join(a.aliases)]


def _target(files: Files, label: str, t: Target) -> list[Cell]:
    return [label, t.description, t.metric, t.value, t.unit, t.qualifier, t.amount_text,
            t.deadline_year, t.baseline, t.status, files(t.doc_ids)]


SHEETS: dict[str, list[str]] = {
    "events": ["id", "name", "event_type", "date", "date_text", "location", "organizers",
               "hosts", "document", "files", "aliases", "date_inferred"],
    "alliances": ["id", "name", "kind", "lead", "members", "founded", "files", "aliases"],
    "targets": ["id", "description", "metric", "value", "unit", "qualifier", "amount_text",
                "deadline_year", "baseline", "status", "files"],
    "evidence": ["item_id", "doc_id", "file", "page", "start", "end", "quote", "text"],
}


def sheet_rows(data: ReportData) -> dict[str, list[list[Cell]]]:
    """The rows of every sheet (header excluded), items in report order."""
    kinds: list[tuple[str, str, Sequence[Any], Callable[..., list[Cell]]]] = [
        ("events", "event", data.merged.events, _event),
        ("alliances", "alliance", data.merged.alliances, _alliance),
        ("targets", "target", data.merged.targets, _target),
    ]
    names = {d.doc_id: display_name(d.path) for d in data.documents}

    def files(doc_ids: Sequence[str]) -> str:
        return _join([names.get(i, i) for i in doc_ids])

    rows: dict[str, list[list[Cell]]] = {name: [] for name in SHEETS}
    for sheet, kind, items, row in kinds:
        for i, item in enumerate(items):
            label = item_label(kind, i)  # type: ignore[arg-type]
            rows[sheet].append(row(files, label, item))
            for ev in item.evidence:
                rows["evidence"].append([label, ev.doc_id, files([ev.doc_id]),
                                         ev.page, ev.start, ev.end, ev.quote, ev.shown])
    return rows


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def render_csv(data: ReportData) -> dict[str, bytes]:
    """``{file name: bytes}``: ``report-events.csv`` … in UTF-8 with a byte-order mark
    (Excel then reads the Chinese correctly)."""
    out: dict[str, bytes] = {}
    for sheet, rows in sheet_rows(data).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(SHEETS[sheet])
        writer.writerows([[_safe(v) for v in row] for row in rows])
        out[f"report-{sheet}.csv"] = buffer.getvalue().encode("utf-8-sig")
    return out


def render_xlsx(data: ReportData) -> bytes:
    """``report.xlsx``: the sheets in one workbook, header row bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for sheet, rows in sheet_rows(data).items():
        ws = book.create_sheet(sheet)
        ws.append(SHEETS[sheet])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING  # never a formula, whatever it starts with
        ws.freeze_panes = "A2"
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column[:200])
            ws.column_dimensions[column[0].column_letter].width = min(60, max(8, width + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
