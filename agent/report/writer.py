"""Atomic writing of the report files: ``report.json`` / ``report.md`` / ``report.html``,
and the exports ``report.xlsx`` / ``report-<sheet>.csv``.

Each file goes through :func:`agent.core.files.write_bytes_atomic`, so ``out_dir`` only
ever holds complete files (an older complete one, or the new one); everything is rendered
before the first file is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.core.errors import InputError
from agent.core.files import check_output_dir, write_bytes_atomic
from agent.report.exports import render_csv, render_xlsx
from agent.report.html import render_html
from agent.report.markdown import render_markdown
from agent.report.model import ReportData

#: Format → the file it writes (``csv`` writes one file per sheet beside it).
FORMATS: dict[str, str] = {"json": "report.json", "md": "report.md", "html": "report.html",
                           "xlsx": "report.xlsx", "csv": "report-events.csv"}
_ALIASES = {"markdown": "md", "htm": "html", "excel": "xlsx"}


def normalise_formats(formats: set[str] | frozenset[str]) -> list[str]:
    """``{"markdown", "HTML"}`` -> ``["md", "html"]`` (stable order); unknown -> ValueError."""
    wanted: set[str] = set()
    for fmt in formats:
        key = _ALIASES.get(fmt.lower().strip(), fmt.lower().strip())
        if key not in FORMATS:
            raise ValueError(f"unknown report format {fmt!r} (use {', '.join(FORMATS)})")
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

    ``formats`` is a subset of :data:`FORMATS` (``"markdown"`` is accepted).
    ``report.json`` leaves ``originals`` out unless ``include_originals``; the HTML
    always uses them for context and highlighting. Returns ``{format: path}`` (for csv,
    the events file; the other sheets sit beside it).
    """
    keys = normalise_formats(formats)
    out_dir = Path(out_dir)
    check_output_dir(out_dir)
    renderers: dict[str, Callable[[], dict[str, bytes]]] = {
        "json": lambda: {FORMATS["json"]: (data.to_json(include_originals=include_originals)
                                           + "\n").encode("utf-8")},
        "md": lambda: {FORMATS["md"]: render_markdown(data).encode("utf-8")},
        "html": lambda: {FORMATS["html"]: render_html(data).encode("utf-8")},
        "xlsx": lambda: {FORMATS["xlsx"]: render_xlsx(data)},
        "csv": lambda: render_csv(data),
    }
    # Render everything first so a rendering error writes nothing.
    rendered = {key: renderers[key]() for key in keys}
    written: dict[str, Path] = {}
    for key in keys:
        for name, content in rendered[key].items():
            path = out_dir / name
            try:
                write_bytes_atomic(path, content, file_mode=0o644)
            except OSError as exc:
                raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        written[key] = out_dir / FORMATS[key]
    return written
