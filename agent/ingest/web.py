"""Web pages: the article's text and what the page states about itself.

trafilatura finds the main content (dropping navigation, related links, comment sections
and share bars, the boilerplate of news sites) and reads the page's own title, date and
address from its metadata; when it finds no article, lxml keeps every visible block
(``<head>``, scripts, styles, nav, header, footer and aside dropped; a block element per
line; inline whitespace runs become one space).
"""

from __future__ import annotations

import re

from lxml import etree, html

from agent.ingest.sources import SourceInfo

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
# lxml (and so trafilatura) refuses str input that carries an XML encoding declaration.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Below this many characters trafilatura's article is taken to have missed the page.
MIN_ARTICLE_CHARS = 20


def page_text(markup: str, *, url: str | None = None) -> tuple[str, SourceInfo]:
    """The page's article text (its title as the first line when the body lacks it) and
    its stated title, date and address."""
    import trafilatura

    markup = _XML_DECLARATION.sub("", markup)
    if not markup.strip():
        return "", SourceInfo(format="html", url=url)
    body = trafilatura.extract(markup, url=url, output_format="txt", include_comments=False,
                               include_tables=True, include_images=False,
                               deduplicate=False, favor_precision=True)
    meta = trafilatura.extract_metadata(markup, default_url=url)
    title = _line(meta.title) if meta and meta.title else None
    info = SourceInfo(format="html", title=title,
                      published=(meta.date if meta and meta.date else None),
                      url=(meta.url if meta and meta.url else url))
    if not body or len(body.strip()) < MIN_ARTICLE_CHARS:
        return html_to_text(markup), info
    text = _tidy(body.replace("\r\n", "\n"))
    if title and title not in text[: len(title) + 40]:
        text = f"{title}\n{text}"
    return text, info


def _line(text: str) -> str:
    return _SPACE_RUN.sub(" ", text).strip()


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document, one block element per line."""
    markup = _XML_DECLARATION.sub("", markup)
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
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    """Lines stripped, at most one blank line in a row, one final newline."""
    lines = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", lines).strip("\n") + "\n"


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
