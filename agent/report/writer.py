"""Atomic writing of ``report.json`` / ``report.md`` / ``report.html``.

Each file goes through :func:`agent.core.files.write_text_atomic`, so ``out_dir`` only
ever holds complete reports (an older complete one, or the new one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.core.errors import InputError
from agent.core.files import check_output_dir, write_text_atomic
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
    """Render and write the requested formats into ``out_dir`` (created if missing; a path
    that cannot be a folder or cannot be written is an :class:`InputError`).

    ``formats`` is a subset of ``{"json", "md", "html"}`` (``"markdown"`` is accepted).
    ``report.json`` leaves ``originals`` out unless ``include_originals``; the HTML
    always uses them for context and highlighting. Returns ``{format: path}``.
    """
    keys = normalise_formats(formats)
    out_dir = Path(out_dir)
    check_output_dir(out_dir)
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
        try:
            write_text_atomic(path, rendered[key], file_mode=0o644)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        written[key] = path
    return written
