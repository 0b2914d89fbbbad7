"""Read a user-supplied file into text: encoding detection, binary rejection, HTML to text.

The string returned by :func:`read_text` is what a ``Document`` calls its *original*:
line endings are normalised to ``\\n`` and a byte-order mark is dropped before anything
else, so every offset the pipeline produces indexes into that string. For ``.html`` /
``.htm`` files the original is the *extracted text* (``<head>`` including ``<title>``,
scripts, styles, nav, header, footer and aside dropped; block elements become line
breaks; inline whitespace runs become one space), not the markup.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes
from lxml import etree, html

from agent.core.errors import InputError

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x7fELF",
    b"\x1f\x8b",
    b"BM",
    b"RIFF",
    b"\xd0\xcf\x11\xe0",
    b"SQLite format 3",
)
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
_MAX_CONTROL_FRACTION = 0.05

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "iframe",
    "svg",
    "form",
    "button",
    "select",
    "head",
)
_BLOCK_TAGS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot section "
    "article main blockquote pre figure figcaption hr address center caption td th".split()
)
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")


def read_text(path: Path, max_bytes: int) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``path``; raise ``InputError`` with a one-line reason.

    Text files are decoded as UTF-8 (BOM dropped), then GB18030 (covers GBK/GB2312),
    then Big5, with charset-normalizer arbitrating when several decode cleanly.
    HTML files are decoded the same way and reduced to their visible text.
    """
    data = _read_bytes(path, max_bytes)
    if _looks_binary(data):
        raise InputError(f"{path}: binary file, not text")
    decoded = _decode(data)
    if decoded is None:
        raise InputError(f"{path}: binary file, not text (no text encoding fits)")
    text, encoding = decoded
    text = normalise_newlines(text).lstrip("\ufeff")
    if _control_fraction(text) > _MAX_CONTROL_FRACTION:
        raise InputError(f"{path}: binary file, not text (mostly control characters)")
    if path.suffix.lower() in HTML_SUFFIXES:
        text = html_to_text(text)
    if not text.strip():
        raise InputError(f"{path}: empty file (no text)")
    return text, encoding


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: file is {_fmt_size(size)}, above the limit of {_fmt_size(max_bytes)}"
                " (max_file_mb)"
            )
        if size == 0:
            raise InputError(f"{path}: empty file")
        data = path.read_bytes()
    except PermissionError as exc:
        raise InputError(f"{path}: cannot read file (permission denied)") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:  # the file grew after stat
        raise InputError(f"{path}: file is above the limit of {_fmt_size(max_bytes)}")
    if not data:
        raise InputError(f"{path}: empty file")
    return data


def _fmt_size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    if n >= 2**10:
        return f"{n / 2**10:.1f} KB"
    return f"{n} bytes"


def _has_utf16_bom(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


def _looks_binary(data: bytes) -> bool:
    if _has_utf16_bom(data):
        return False
    head = data[:8192]
    return b"\x00" in head or head.startswith(_BINARY_MAGIC)


def _decode(data: bytes) -> tuple[str, str] | None:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None
    if _has_utf16_bom(data):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    fits: dict[str, str] = {}
    for enc in ("gb18030", "big5"):
        try:
            fits[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if len(fits) == 1:
        enc = next(iter(fits))
        return fits[enc], enc
    if fits:
        best = from_bytes(data, cp_isolation=list(fits)).best()
        enc = "big5" if best is not None and best.encoding.replace("_", "") == "big5" else "gb18030"
        return fits[enc], enc
    guess = from_bytes(data).best()
    if guess is None:
        return None
    return str(guess), guess.encoding


def _control_fraction(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(
        1
        for ch in sample
        if ch not in _TEXT_CONTROLS and unicodedata.category(ch) in ("Cc", "Co", "Cs")
    )
    return bad / len(sample)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document, one block element per line."""
    # lxml refuses str input that carries an XML encoding declaration.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)
    if not markup.strip():
        return ""
    try:
        root = html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return ""
    for el in list(root.xpath("//comment() | //processing-instruction()")):
        _drop(el)
    for el in list(root.iter(*_DROP_TAGS)):
        _drop(el)
    parts: list[str] = []
    _walk(root, parts, preformatted=False)
    lines = (line.strip() for line in "".join(parts).split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    prev = el.getprevious()
    tail = el.tail
    parent.remove(el)  # lxml removes the tail text together with the element
    if not tail:
        return
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def _walk(el: etree._Element, parts: list[str], *, preformatted: bool) -> None:
    # Iterative walk: real pages nest deeply enough to hit Python's recursion limit.
    stack: list[tuple[etree._Element, bool, bool]] = [(el, False, preformatted)]
    while stack:
        node, closing, pre = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag.lower() in _BLOCK_TAGS
        if closing:
            if block:
                parts.append("\n")
            if node.tail:
                parts.append(_inline(node.tail, pre))
            continue
        if block:
            parts.append("\n")
        if node.text:
            parts.append(_inline(node.text, pre or tag == "pre"))
        stack.append((node, True, pre))
        child_pre = pre or tag == "pre"
        for child in reversed(list(node)):
            stack.append((child, False, child_pre))


def _inline(text: str, preformatted: bool) -> str:
    return text if preformatted else _SPACE_RUN.sub(" ", text)
