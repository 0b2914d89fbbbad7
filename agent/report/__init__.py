"""Batch report: data model and renderers (Markdown, self-contained HTML, JSON)."""

from agent.report.html import render_html
from agent.report.markdown import render_markdown
from agent.report.model import (
    FailedDocument,
    OverviewSentence,
    ReportData,
    RunInfo,
    item_label,
    item_ref,
    parse_ref,
)
from agent.report.writer import write_report

__all__ = [
    "FailedDocument",
    "OverviewSentence",
    "ReportData",
    "RunInfo",
    "item_label",
    "item_ref",
    "parse_ref",
    "render_html",
    "render_markdown",
    "write_report",
]
