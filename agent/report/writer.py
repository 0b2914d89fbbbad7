"""Atomic writing of ``report.json`` / ``report.md`` / ``report.html``.

Each file goes through :func:`agent.core.files.write_text_atomic`, so ``out_dir`` only
ever holds complete reports (an older complete one, or the new one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.core.files import write_text_atomic
from agent.report.html import render_html
from agent.report.markdown import render_markdown
from agent.report.model import ReportData

FORMATS: dict[str, str] = {"json": "report.json", "md": "report.md", "html": "report.html"}
_ALIASES = {"markdown": "md", "htm": "html"}


def normalise_formats(formats: set[str] | frozenset[str]) -> list[str]:
    """``{"markdown", "HTML"}`` -> ``["md", "html"]`` (stable order); unknown -> ValueError."""
    wanted: set[str] = set()
    for fmt in formats:
        key = _ALIASES.get(fmt.lower().strip(), fmt.lower().strip())
        if key not in FORMATS:
            raise ValueError(f"unknown report format {fmt!r} (use json, md, html)")
        wanted.add(key)
    return [key for key in FORMATS if key in wanted]


def write_report(
    data: ReportData,
    out_dir: Path,
    formats: set[str],
    *,
    include_originals: bool = False,
) -> dict[str, Path]:
    """Render and write the requested formats into ``out_dir`` (created if missing).

    ``formats`` is a subset of ``{"json", "md", "html"}`` (``"markdown"`` is accepted).
    ``report.json`` leaves ``originals`` out unless ``include_originals``; the HTML
    always uses them for context and highlighting. Returns ``{format: path}``.
    """
    keys = normalise_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderers: dict[str, Callable[[], str]] = {
        "json": lambda: data.to_json(include_originals=include_originals) + "\n",
        "md": lambda: render_markdown(data),
        "html": lambda: render_html(data),
    }
    # Render everything first so a rendering error writes nothing.
    rendered = {key: renderers[key]() for key in keys}
    written: dict[str, Path] = {}
    for key in keys:
        path = out_dir / FORMATS[key]
        write_text_atomic(path, rendered[key], file_mode=0o644)
        written[key] = path
    return written
