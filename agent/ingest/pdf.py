"""PDF files: the text layer page by page (pypdf), OCR for scanned pages when installed.

pypdf over pdfminer.six, measured on Chinese PDFs with CID fonts (``evals/bench_pdf.py``):
both read Adobe-GB1 (simplified) text exactly, only pypdf read Adobe-CNS1 (traditional)
text, and pypdf was about 3× faster (53 against 18 pages/s on 2 cores).

The original is the pages' text joined by a blank line; ``pages`` holds where each page
starts in it, so a citation knows its page. Running headers and page numbers are left in
the original and deleted by cleaning like any boilerplate.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from agent.core.errors import InputError, one_line

log = logging.getLogger(__name__)

PAGE_BREAK = "\n\n"
#: A page with fewer characters of text than this is taken to be a scanned image.
MIN_PAGE_CHARS = 10
OCR_EXTRA = "pip install 'zhijiao-agent[ocr]'"
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def pdf_text(data: bytes, where: str) -> tuple[str, list[int]]:
    """``(text, page starts)`` of a PDF; one-line ``InputError`` for an encrypted, damaged
    or empty one, and for a scanned one when the OCR extra is missing."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{where}: encrypted PDF (it needs a password; save an "
                             "unprotected copy)")
        pages = [_page_text(page) for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputError(f"{where}: damaged or unreadable PDF ({one_line(exc)})") from exc
    except Exception as exc:  # pypdf raises many kinds on malformed files
        if "crypt" in type(exc).__name__.lower() or "crypt" in str(exc).lower():
            raise InputError(f"{where}: encrypted PDF ({one_line(exc)})") from exc
        raise InputError(f"{where}: damaged or unreadable PDF ({one_line(exc)})") from exc
    if not pages:
        raise InputError(f"{where}: PDF has no pages")
    scanned = [i for i, text in enumerate(pages) if len(text.strip()) < MIN_PAGE_CHARS]
    if len(scanned) == len(pages) or (scanned and len(scanned) * 2 >= len(pages)):
        pages = _ocr_pages(reader, pages, scanned, where)
    return _join(pages)


def _page_text(page: object) -> str:
    text = page.extract_text() or ""  # type: ignore[attr-defined]
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _TRAILING_SPACE.sub("\n", text).strip("\n")


def _join(pages: list[str]) -> tuple[str, list[int]]:
    starts: list[int] = []
    parts: list[str] = []
    pos = 0
    for text in pages:
        starts.append(pos)
        parts.append(text)
        pos += len(text) + len(PAGE_BREAK)
    return PAGE_BREAK.join(parts) + "\n", starts


def _ocr_pages(reader: object, pages: list[str], scanned: list[int], where: str) -> list[str]:
    """Text of the scanned pages from their images with RapidOCR (the ``ocr`` extra: its
    wheel carries the Chinese detection and recognition models, nothing is downloaded)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise InputError(
            f"{where}: scanned PDF ({len(scanned)} of {len(pages)} pages have no text "
            f"layer); install the OCR extra to read it: {OCR_EXTRA}") from None
    engine = RapidOCR()
    out = list(pages)
    for i in scanned:
        lines: list[str] = []
        for image in reader.pages[i].images:  # type: ignore[attr-defined]
            result, _elapsed = engine(image.data)
            lines += ocr_lines(result or [])
        out[i] = "\n".join(lines)
        log.info("%s: page %d read by OCR (%d lines)", where, i + 1, len(lines))
    if not any(text.strip() for text in out):
        raise InputError(f"{where}: scanned PDF, and OCR found no text in it")
    return out


def ocr_lines(boxes: list[Any]) -> list[str]:
    """RapidOCR's boxes (``[corners, text, score]``) as lines of text in reading order:
    boxes whose vertical centres lie within half a box height of each other are one line
    ("一、" and the sentence after it are often two boxes), read left to right."""
    placed = []
    for corners, text, _score in boxes:
        ys = [float(p[1]) for p in corners]
        placed.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys),
                       min(float(p[0]) for p in corners), str(text)))
    placed.sort()
    lines: list[list[tuple[float, str]]] = []
    last_centre = last_height = None
    for centre, height, left, text in placed:
        if last_centre is None or last_height is None or (
                abs(centre - last_centre) > max(height, last_height) / 2):
            lines.append([])
            last_centre, last_height = centre, height
        lines[-1].append((left, text))
    return ["".join(text for _, text in sorted(line)) for line in lines]
