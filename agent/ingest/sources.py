"""What a file or URL holds, as text: one reader per format, chosen by name and content.

Every reader returns the text that becomes the document's *original* (offsets index it)
and what the source itself states: its format, where each page starts (PDF), and the
title, date and address a web page declares. Cleaning, chunking and citations are the
same for every format.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agent.core.errors import InputError

PDF_SUFFIXES = frozenset({".pdf"})
DOCX_SUFFIXES = frozenset({".docx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
#: What ``agent ingest FOLDER`` picks up.
SUFFIXES = tuple(sorted(PDF_SUFFIXES | DOCX_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES))


def is_url(item: object) -> bool:
    """An http(s) address given where a path could be (``agent ingest https://…``)."""
    return isinstance(item, str) and item.lower().startswith(("http://", "https://"))


def display_name(path: str) -> str:
    """How a stored document is named to a reader: a URL in full, a file by its name."""
    return path if is_url(path) else Path(path).name


@dataclass
class SourceInfo:
    """What the source states about itself; stored with the document."""

    format: str = "text"  # text | html | pdf | docx
    pages: list[int] = field(default_factory=list)  # start offset of each page (PDF)
    title: str | None = None
    published: str | None = None  # ISO date the page declares
    url: str | None = None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v not in (None, [])},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> SourceInfo:
        data = json.loads(text) if text else {}
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def page_of(self, offset: int) -> int | None:
        """1-based page holding original offset ``offset`` (None without pages)."""
        from bisect import bisect_right

        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))


@dataclass
class Extracted:
    text: str
    encoding: str
    info: SourceInfo = field(default_factory=SourceInfo)


def read_source(path: Path, max_bytes: int) -> Extracted:
    """The text of ``path`` by its format; one-line ``InputError`` for unusable files."""
    from agent.ingest.loading import read_bytes

    return extract(read_bytes(path, max_bytes), str(path), path.suffix.lower())


def extract(data: bytes, where: str, suffix: str, url: str | None = None) -> Extracted:
    """Text of a file's (or a URL's) bytes: PDF by its signature, Word by name, web pages
    by name, anything else as text."""
    from agent.ingest.loading import decode_text

    if data.startswith(b"%PDF") or suffix in PDF_SUFFIXES:
        from agent.ingest.pdf import pdf_text

        text, pages = pdf_text(data, where)
        return Extracted(text, "pdf", SourceInfo(format="pdf", pages=pages, url=url))
    if suffix in DOCX_SUFFIXES:
        from agent.ingest.word import docx_text

        return Extracted(docx_text(data, where), "docx", SourceInfo(format="docx", url=url))
    text, encoding = decode_text(data, where)
    if suffix in HTML_SUFFIXES:
        return html_source(text, encoding, where, url)
    return Extracted(text, encoding, SourceInfo(url=url))


def html_source(markup: str, encoding: str, where: str, url: str | None = None) -> Extracted:
    from agent.ingest.web import page_text

    text, info = page_text(markup, url=url)
    if not text.strip():
        raise InputError(f"{where}: no text in the page")
    return Extracted(text, encoding, info)
