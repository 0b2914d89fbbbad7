"""Clean scraped Chinese news by deletion only, and build a :class:`Document`.

Every cleaned character is a character of the original, so ``offsets[i]`` maps
``text[i]`` back to ``original``. Deleted: tone-marked pinyin glued into words
(``職業(yè)``), site boilerplate (navigation, counters, bylines, credits, slogans),
everything from a ``相关阅读``-style link-list marker on, and redundant whitespace.
``removed`` records the pinyin and boilerplate deletions (not the whitespace ones).
Mojibake is flagged in ``mojibake`` but kept in the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from agent import lexicon
from agent.core.errors import InputError
from agent.ingest.documents import Document, Span
from agent.ingest.sources import Extracted, SourceInfo, is_url, read_source
from agent.text.dates import format_iso
from agent.text.normalize import (
    CJK_CLASS,
    CJK_RE,
    PINYIN_GLUE,
    TONES,
    Script,
    detect_script,
    is_cjk,
    search_form,
)
from agent.text.numbers import parse_date

DEFAULT_MAX_BYTES = 25 * 2**20

_MAX_PINYIN_LEN = 40

_SENTENCE_END = "。！？!?"
_NO_TITLE_PUNCT = "。；;，,：:、"
_CLAUSE_SEP = "，,、：:；;"
_TITLE_MAX = 60
_FALLBACK_TITLE_LEN = 30
_HEADER_MAX_LINES = 15
_BODY_MIN_LEN = 40

# Word lists live in agent/lexicon/cleaning.toml; patterns are built from them in file order.


def _alt(key: str) -> str:
    """The words of ``cleaning.toml`` ``key`` as a regex alternation, in file order."""
    return "|".join(lexicon.words("cleaning", key))


_NAV_RE = re.compile(_alt("navigation_words"))
_CRUMB_SEP_RE = re.compile(r"\s*(?:>>|>|＞|›|»)\s*")
_HOME_CRUMBS = frozenset(lexicon.words("cleaning", "home_crumbs"))
_SOLO_WORDS = _alt("solo_words")
_SOLO_RE = re.compile(rf"^(?:[【\[\(（]?(?:{_SOLO_WORDS})[】\]\)）]?[\s:：|｜/]*)+$")
_PREV_NEXT_RE = re.compile(rf"^(?:{_alt('prev_next_words')})\s*[:：]")
_COUNTER_RE = re.compile(rf"^(?:{_alt('counter_words')})\s*[:：]?\s*[\d,，.万萬wW+]*\s*次?$")
_SECTION_RE = re.compile(rf"^[{CJK_CLASS}]{{2,8}}\s*[A-Za-z][A-Za-z &]{{1,24}}$")
_BYLINE_KEY_RE = re.compile(rf"({_alt('byline_keys')})\s*[:：]")
_HEADER_KEY_RE = re.compile(rf"^(?:{_alt('header_keys')})\s*[:：]")
_DATE_ONLY_RE = re.compile(
    r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_CREDIT_KEYS = _alt("credit_keys")
_CREDIT_RE = re.compile(rf"^[（(【\[]?\s*(?:{_CREDIT_KEYS})\s*[/／:：｜|丨]")
_REPORTER_RE = re.compile(
    rf"(?:{_alt('reporter_words')}).*(?:[/／]\s*文|{_alt('reporter_endings')})"
)
_LINK_LIST_RE = re.compile(rf"^[\s【\[<《■●▍|]*(?:{_alt('link_list_markers')})[\s】\]>》:：]*$")
_DATE_CONTEXT_RE = re.compile(_alt("date_context_words"))
_SITE_NAME_RE = re.compile(rf"(?:{_alt('site_name_endings')})$")
# Spam brand words, longest first (also used by agent.extract.aliases for merge keys).
_SPAM_WORDS = lexicon.alternation("cleaning", "spam_words")
_SPAM_RE = re.compile(_SPAM_WORDS) if _SPAM_WORDS else None
_SLOGAN_MAX = 15
_SLOGAN_PUNCT = re.compile(r"[。，,！!？?；;：:、“”\"《》]")

_WS_LINE_EDGE = re.compile(r"^[ \t\u3000\xa0\f\v]+|[ \t\u3000\xa0\f\v]+$", re.MULTILINE)
_WS_INLINE_RUN = re.compile(r"[ \t\u3000\xa0\f\v]{2,}")
_NEWLINE_RUN = re.compile(r"\n{2,}")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]+")

_MOJIBAKE_NOISE = frozenset("?!_)\ufffd" + TONES + "ü")
_LATIN1_MOJIBAKE = re.compile(
    r"(?:[\u00c2-\u00ef][\u0080-\u00bf\u0152-\u02dc\u2013-\u203a\u20ac\u2122]{1,2}){2,}"
)
_PUA_RE = re.compile("[\ue000-\uf8ff]+")


@dataclass
class CleanResult:
    text: str
    offsets: list[int]
    search_text: str
    title: str = ""
    published: str | None = None
    script: Script = "unknown"
    removed: list[Span] = field(default_factory=list)
    mojibake: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    view: str  # the line with pinyin removed and whitespace stripped


# --------------------------------------------------------------------------- public API


def load_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read, clean and wrap ``path`` (any format :mod:`agent.ingest.sources` reads);
    raises ``InputError`` for unusable files."""
    return extracted_document(read_source(path, max_bytes), str(path))


def extracted_document(extracted: Extracted, path: str, doc_id: str | None = None) -> Document:
    """The cleaned document of a source's extracted text (``path`` may be a URL)."""
    doc = document_from_text(extracted.text, path=path, doc_id=doc_id,
                             encoding=extracted.encoding, source=extracted.info)
    if not doc.text:
        raise InputError(f"{path}: no text left after cleaning")
    return doc


def document_from_text(
    original: str, *, path: str, doc_id: str | None = None, encoding: str = "utf-8",
    source: SourceInfo | None = None,
) -> Document:
    """Clean an already-decoded, newline-normalised ``original`` into a ``Document``.

    ``doc_id`` defaults to the first 12 hex digits of sha256 of the resolved ``path`` (of
    the URL itself for a fetched page). Cleaning is pure, so the same original always
    yields the same document. A title or date the source states (a web page's metadata)
    wins over the ones read off the text.
    """
    source = source or SourceInfo()
    result = clean(original, pages=source.pages)
    result.title = source.title or result.title
    result.published = source.published or result.published
    return Document(
        doc_id=doc_id or doc_id_for(path),
        path=path,
        original=original,
        content_hash=hashlib.sha256(original.encode("utf-8")).hexdigest(),
        encoding=encoding,
        source=source,
        **vars(result),  # text, offsets, search form and metadata: CleanResult's fields
    )


def doc_id_for(path: str) -> str:
    """First 12 hex digits of sha256 of the resolved file path (of a URL as given)."""
    key = path if is_url(path) else str(Path(path).resolve())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def clean(original: str, pages: Sequence[int] = ()) -> CleanResult:
    """Clean ``original`` (already newline-normalised) by deleting characters only;
    ``pages`` (where each page starts) lets running headers and page numbers go too."""
    pinyin = list(_pinyin_spans(original))
    lines = _split_lines(original)
    boiler = _boilerplate_spans(lines, len(original))
    dateline, stamped = _dateline(original)
    furniture = _page_furniture(lines, pages)
    removed = _merge(pinyin + boiler + dateline + furniture + _spam_spans(original))
    text, offsets = _delete(original, list(range(len(original))), removed)
    text, offsets = _delete(text, offsets, _space_spans(text))
    text, offsets = _delete(text, offsets, _newline_spans(text))
    return CleanResult(
        text=text,
        offsets=offsets,
        search_text=search_form(text),
        title=_title(text),
        published=_published(lines, boiler) or stamped,
        script=detect_script(text),
        removed=removed,
        mojibake=find_mojibake(original),
    )


# A crawl's or export's stamp before the body: "2023-08-16 13:17，正文：…",
# "2023-07-20 09:56:09，正文：…", "，正文：…". Only a stamp with a time of day or a body
# label (正文/内容/全文) counts: "2023年7月15日，记者从…" starts the story itself.
_DATELINE_RE = re.compile(
    r"^[ \t\u3000]*(?P<stamp>[0-9][0-9\-/.年月日]{2,11}(?P<time>[ \t]+[0-9]{1,2}:[0-9]{2}"
    r"(?::[0-9]{2})?)?)?[ \t\u3000]*[，,]?[ \t\u3000]*(?P<label>(?:正文|内容|全文)[ \t]*[：:])?"
)


def _dateline(original: str) -> tuple[list[Span], str | None]:
    """The leading stamp as a span to delete, and the (partial) date it states."""
    m = _DATELINE_RE.match(original)
    if m is None or not (m["label"] or m["time"]) or m.end() == 0:
        return [], None
    return [Span(0, m.end(), "dateline")], _stamp_date(m["stamp"] or "")


def _stamp_date(stamp: str) -> str | None:
    """``2023-08-16 13:17`` → ``2023-08-16``; ``23-07-29`` → ``2023-07-29``; ``202307/27``
    → ``2023-07-27``; ``7-18 12:22`` → ``--07-18`` (no year stated)."""
    runs = re.findall(r"[0-9]+", stamp.split()[0]) if stamp.strip() else []
    if len(runs) == 2 and len(runs[0]) == 6:  # 202307/27
        runs = [runs[0][:4], runs[0][4:], runs[1]]
    elif len(runs) == 1 and len(runs[0]) == 8:  # 20230727
        runs = [runs[0][:4], runs[0][4:6], runs[0][6:]]
    if len(runs) == 3:
        year = int(runs[0]) + (2000 if len(runs[0]) == 2 else 0)
        return format_iso(year, int(runs[1]), int(runs[2])) if _valid(runs[1:]) else None
    if len(runs) == 2 and _valid(runs):
        return format_iso(None, int(runs[0]), int(runs[1]))
    return None


def _valid(month_day: list[str]) -> bool:
    return 1 <= int(month_day[0]) <= 12 and 1 <= int(month_day[1]) <= 31


def _spam_spans(original: str) -> list[Span]:
    """Spam brand words injected into reprints (``spam_words`` of ``cleaning.toml``)."""
    if _SPAM_RE is None:
        return []
    return [Span(m.start(), m.end(), "spam") for m in _SPAM_RE.finditer(original)]


def find_mojibake(original: str) -> list[Span]:
    """Spans (original coordinates) that look like encoding damage."""
    spans = [Span(s, e, "mojibake") for s, e in _question_runs(original)]
    for rx in (_LATIN1_MOJIBAKE, _PUA_RE):
        spans.extend(Span(m.start(), m.end(), "mojibake") for m in rx.finditer(original))
    return _merge(spans, reason="mojibake")


# --------------------------------------------------------------------------- pinyin


def _pinyin_spans(original: str) -> Iterator[Span]:
    for m in PINYIN_GLUE.finditer(original):
        if len(m.group(1)) <= _MAX_PINYIN_LEN and _pinyin_anchor_ok(original, m.start()):
            yield Span(m.start(), m.end(), "pinyin")


def _pinyin_anchor_ok(original: str, i: int) -> bool:
    if i == 0:
        return False
    prev = original[i - 1]
    if is_cjk(prev):
        return True
    # Inside mojibake the annotated character itself is damaged (``??茖W(xué)``).
    window = original[max(0, i - 4) : i]
    return "?" in window or "\ufffd" in window


# --------------------------------------------------------------------------- lines


def _split_lines(original: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    for raw in original.split("\n"):
        end = pos + len(raw)
        lines.append(_Line(pos, end, _line_view(raw)))
        pos = end + 1
    return lines


def _line_view(raw: str) -> str:
    return PINYIN_GLUE.sub("", raw).strip(" \t\u3000\xa0\f\v\u200b\ufeff")


def _is_body(view: str) -> bool:
    return len(view) >= _BODY_MIN_LEN or "。" in view or (bool(view) and view[-1] in _SENTENCE_END)


def _header_end(lines: list[_Line]) -> int:
    """Index of the first body paragraph (capped): lines above it are the page header."""
    first_body = next((i for i, ln in enumerate(lines) if _is_body(ln.view)), len(lines))
    return min(first_body, _HEADER_MAX_LINES)


# A line that is only a page number: "第 3 页 共 10 页", "- 3 -", "3/10", "Page 3 of 10".
_PAGE_NUMBER_RE = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*第\s*\d+\s*页"
    r"|[-—–]?\s*\d{1,4}\s*[-—–]?|\d{1,4}\s*/\s*\d{1,4}|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
_FURNITURE_MAX_CHARS = 40


def _page_furniture(lines: list[_Line], pages: Sequence[int]) -> list[Span]:
    """Page numbers, and running headers or footers (a short line at a page's top or
    bottom that recurs, digits aside, on at least half the pages, e.g. "江城市教育局文件"
    or "××市人民政府办公室 2023年5月印发"), in a paged source such as a PDF."""
    if not pages:
        return []
    by_page: list[list[_Line]] = [[] for _ in pages]
    for ln in lines:
        if ln.view and ln.start >= pages[0]:
            by_page[bisect_right(pages, ln.start) - 1].append(ln)
    edges: list[tuple[int, list[_Line]]] = []
    for on_page in by_page:
        top, bottom = on_page[:_EDGE_LINES], on_page[-_EDGE_LINES:]
        edges.append((len(on_page), [*top, *(ln for ln in bottom if ln not in top)]))
    counts = Counter(key for _, page in edges for key in {_furniture_key(ln.view) for ln in page})
    need = max(2, -(-len(pages) // 2))
    spans: list[Span] = []
    for size, page in edges:
        numbers = [ln for ln in page if _PAGE_NUMBER_RE.match(ln.view)]
        running = [ln for ln in page if ln not in numbers
                   and len(ln.view) <= _FURNITURE_MAX_CHARS and not ln.view.endswith("。")
                   and counts[_furniture_key(ln.view)] >= need]
        if len(numbers) + len(running) >= size:  # nothing would be left: pages of a kind
            running = []
        spans += [Span(ln.start, ln.end, "page furniture") for ln in (*numbers, *running)]
    return spans


def _furniture_key(view: str) -> str:
    return re.sub(r"\d+", "#", view)


def _boilerplate_spans(lines: list[_Line], total: int) -> list[Span]:
    last_body = max((i for i, ln in enumerate(lines) if _is_body(ln.view)), default=-1)
    header_end = _header_end(lines)
    spans: list[Span] = []
    seen_content = False
    for i, ln in enumerate(lines):
        if not ln.view:
            continue
        if seen_content and _LINK_LIST_RE.match(ln.view):
            spans.append(Span(ln.start, total, "link-list"))
            break
        reason = _line_reason(ln.view, in_header=i < header_end, in_trailer=i > last_body)
        if reason:
            spans.append(Span(ln.start, ln.end, reason))
        else:
            seen_content = True
    spans.extend(_slogan_spans(lines[:header_end], spans))
    return spans


def _line_reason(view: str, *, in_header: bool, in_trailer: bool) -> str | None:
    if len(view) <= 100 and _NAV_RE.search(view):
        return "navigation"
    if _is_crumbs(view):
        return "navigation"
    if _SOLO_RE.match(view) or (len(view) <= 60 and _PREV_NEXT_RE.match(view)):
        return "boilerplate"
    if _COUNTER_RE.match(view):
        return "counter"
    if "。" not in view and len(view) <= 120 and len(set(_BYLINE_KEY_RE.findall(view))) >= 2:
        return "byline"
    if in_header and _SECTION_RE.match(view):
        return "section-header"
    if in_header and (_DATE_ONLY_RE.match(_nfkc(view)) or _HEADER_KEY_RE.match(view)):
        return "byline"
    if in_trailer and _is_credit(view):
        return "credit"
    return None


def _is_crumbs(view: str) -> bool:
    if "。" in view or len(view) > 100:
        return False
    crumbs = [c for c in _CRUMB_SEP_RE.split(view) if c]
    if len(_CRUMB_SEP_RE.findall(view)) < 2 or not crumbs:
        return False
    if any(len(c) > 12 for c in crumbs):
        return False
    return crumbs[0] in _HOME_CRUMBS or len(crumbs) >= 3


def _is_credit(view: str) -> bool:
    if len(view) > 60 or any(p in view for p in "。！？"):
        return False
    return bool(_CREDIT_RE.match(view) or _REPORTER_RE.search(view))


def _slogan_spans(header: list[_Line], found: list[Span]) -> list[Span]:
    """Short unpunctuated lines above the first navigation/section line (site slogans)."""
    nav_starts = [s.start for s in found if s.reason in ("navigation", "section-header")]
    if not nav_starts:
        return []
    first_nav = min(nav_starts)
    return [
        Span(ln.start, ln.end, "slogan")
        for ln in header
        if ln.view
        and ln.end <= first_nav
        and len(ln.view) <= _SLOGAN_MAX
        and not _SLOGAN_PUNCT.search(ln.view)
        and not any(s.start == ln.start for s in found)
    ]


# --------------------------------------------------------------------------- deletion


def _merge(spans: list[Span], reason: str | None = None) -> list[Span]:
    """Sort and merge overlapping spans (touching spans are merged only if same reason)."""
    merged: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if s.end <= s.start:
            continue
        if merged:
            last = merged[-1]
            same = reason is not None or last.reason == s.reason
            if s.start < last.end or (same and s.start == last.end):
                merged[-1] = Span(last.start, max(last.end, s.end), reason or last.reason)
                continue
        merged.append(Span(s.start, s.end, reason or s.reason))
    return merged


def _delete(text: str, offsets: list[int], spans: list[Span]) -> tuple[str, list[int]]:
    """Remove ``spans`` (in ``text`` coordinates) from ``text`` and its offset map."""
    if not spans:
        return text, offsets
    parts: list[str] = []
    kept: list[int] = []
    pos = 0
    for s in spans:
        if s.start > pos:
            parts.append(text[pos : s.start])
            kept.extend(offsets[pos : s.start])
        pos = max(pos, s.end)
    parts.append(text[pos:])
    kept.extend(offsets[pos:])
    return "".join(parts), kept


def _space_spans(text: str) -> list[Span]:
    """Indentation, trailing spaces, zero-width characters, and all but one of a space run."""
    spans = [Span(m.start(), m.end(), "ws") for m in _WS_LINE_EDGE.finditer(text)]
    spans += [Span(m.start(), m.end(), "ws") for m in _INVISIBLE.finditer(text)]
    spans += [Span(m.start() + 1, m.end(), "ws") for m in _WS_INLINE_RUN.finditer(text)]
    return _merge(spans, reason="ws")


def _newline_spans(text: str) -> list[Span]:
    """Blank lines (keep one newline between paragraphs) and newlines at either end."""
    spans = [Span(m.start() + 1, m.end(), "ws") for m in _NEWLINE_RUN.finditer(text)]
    lead = len(text) - len(text.lstrip("\n"))
    trail = len(text) - len(text.rstrip("\n"))
    spans += [Span(0, lead, "ws"), Span(len(text) - trail, len(text), "ws")]
    return _merge(spans, reason="ws")


# --------------------------------------------------------------------------- mojibake


def _question_runs(original: str) -> Iterator[tuple[int, int]]:
    i = 0
    n = len(original)
    while i < n:
        ch = original[i]
        if ch not in "?\ufffd":
            i += 1
            continue
        end = _extend_noise(original, i)
        run = original[i:end]
        if _mojibake_evidence(run):
            yield i, end
        i = max(end, i + 1)


def _extend_noise(text: str, i: int) -> int:
    j = i
    n = len(text)
    while j < n:
        ch = text[j]
        if ch in _MOJIBAKE_NOISE or (ch.isascii() and ch.isalpha()):
            j += 1
            continue
        k = j
        while k < n and k - j < 3 and is_cjk(text[k]):
            k += 1
        if k > j and k < n and _is_noise_after_cjk(text[k]):
            j = k + 1
            continue
        break
    return j


def _is_noise_after_cjk(ch: str) -> bool:
    return ch in _MOJIBAKE_NOISE or (ch.isascii() and ch.isalpha())


def _mojibake_evidence(run: str) -> bool:
    if "\ufffd" in run or run.count("?") >= 2 or "_" in run or "!" in run:
        return True
    if any(c in TONES for c in run) and ")" in run:
        return True
    return any(is_cjk(a) and b.isascii() and b.isalpha() for a, b in pairwise(run))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --------------------------------------------------------------------------- metadata


def _title(text: str) -> str:
    for line in text.split("\n"):
        view = line.strip()
        if not _substantial(view):
            continue
        if _looks_like_headline(view):
            return view
        return _first_sentence(view)
    return ""


def _substantial(view: str) -> bool:
    if len(CJK_RE.findall(view)) < 4:
        return False
    if view[0] in "(（[【" and view[-1] in ")）]】" and len(view) <= 20:
        return False  # a caption such as (資料圖)
    return not (len(view) <= 15 and _SITE_NAME_RE.search(view))


def _looks_like_headline(view: str) -> bool:
    return len(view) <= _TITLE_MAX and "。" not in view and view[-1] not in _NO_TITLE_PUNCT


def _first_sentence(view: str) -> str:
    sentence = re.split(r"[。！？!?；;]", view, maxsplit=1)[0]
    if len(sentence) <= _FALLBACK_TITLE_LEN:
        return sentence
    head = sentence[:_FALLBACK_TITLE_LEN]
    cut = max(head.rfind(c) for c in _CLAUSE_SEP)
    return head[:cut] if cut >= 8 else head


def _published(lines: list[_Line], boiler: list[Span]) -> str | None:
    """A date stated in a byline/date line (removed or not) near the top; never the body."""
    removed = {(s.start, s.end): s.reason for s in boiler}
    header_end = _header_end(lines)
    for i, ln in enumerate(lines):
        view = _nfkc(ln.view)
        reason = removed.get((ln.start, ln.end))
        in_header = i < header_end
        candidate = reason == "byline" or (
            in_header and len(view) <= 60 and "。" not in view and _DATE_CONTEXT_RE.search(view)
        )
        if candidate:
            date = _parse_date(view)
            if date:
                return date
    return None


def _parse_date(view: str) -> str | None:
    """The first date of a byline with at least year and month (``2023年7月``,
    ``2023年7月15日``); a bare year or a month-day says too little for a publication date."""
    date = parse_date(view)
    if date is None or date.startswith("--") or len(date) < len("2023-07"):
        return None
    return date
