"""Partial ISO dates: the one parser, formatter, compatibility test and merge.

Items carry dates as ISO strings that may lack parts: ``2023-06-12``, ``2023-06``,
``2023``, ``--06-12`` (month and day, year unknown) and ``--06``. Finding dates in
Chinese text (``6月12日``, ``2023年底``) is :func:`agent.text.numbers.parse_date`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

# A news dateline (“红网时刻新闻7月28日讯”, “新华社北京8月1日电”) dates the report, not
# what it reports ("…7月28日讯 近日，…推进会在石家庄召开": the meeting has no date).
DATELINE = r"[0-9一二三四五六七八九十]{1,3}\s*月\s*[0-9一二三四五六七八九十]{1,3}\s*日\s*(?:讯|电)"
_DATELINE_RE = re.compile(DATELINE)


def without_dateline(text: str) -> str:
    """``text`` with any news dateline taken out."""
    return _DATELINE_RE.sub("", text)


_WITH_YEAR = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_YEARLESS = re.compile(r"--(\d{1,2})(?:-(\d{1,2}))?")


class PartialDate(NamedTuple):
    year: int | None
    month: int | None
    day: int | None


def parse_iso(value: str | None) -> PartialDate | None:
    """``2023-06-12`` / ``2023-06`` / ``2023`` / ``--06-12`` / ``--06`` → parts; anything
    else (or a month/day out of range) → None."""
    if not value:
        return None
    text = value.strip()
    m = _WITH_YEAR.fullmatch(text)
    if m:
        parts = PartialDate(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    else:
        m = _YEARLESS.fullmatch(text)
        if not m:
            return None
        parts = PartialDate(None, int(m[1]), int(m[2]) if m[2] else None)
    if parts.month is not None and not 1 <= parts.month <= 12:
        return None
    if parts.day is not None and not 1 <= parts.day <= 31:
        return None
    return parts


def format_iso(year: int | None, month: int | None, day: int | None) -> str | None:
    """The partial ISO form of the parts (a day without a month is dropped)."""
    if year is not None:
        if month is None:
            return f"{year:04d}"
        return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")
    if month is not None:
        return f"--{month:02d}" + (f"-{day:02d}" if day is not None else "")
    return None


def as_written(value: str | None) -> str | None:
    """A partial ISO date as Chinese text says it: ``2023-06-12`` → ``2023年6月12日``,
    ``2023-06`` → ``2023年6月``, ``--06-12`` → ``6月12日``; other text unchanged."""
    parts = parse_iso(value)
    if parts is None:
        return value
    year, month, day = parts
    text = f"{year}年" if year is not None else ""
    if month is not None:
        text += f"{month}月" + (f"{day}日" if day is not None else "")
    return text


def compatible(a: str | None, b: str | None) -> bool:
    """True unless both dates state a year, month or day and those differ (text that is
    not a partial ISO date is compared as it is)."""
    pa, pb = parse_iso(a), parse_iso(b)
    if a and b and pa is None and pb is None:
        return a.strip() == b.strip()
    none = PartialDate(None, None, None)
    return all(
        x is None or y is None or x == y for x, y in zip(pa or none, pb or none, strict=True)
    )


def merge_partial(dates: Iterable[str | None]) -> str | None:
    """The most complete combination of (compatible) partial dates; the first date as
    written when none of them parses."""
    year = month = day = None
    raw: str | None = None
    for d in dates:
        if not d:
            continue
        raw = raw or d
        parts = parse_iso(d)
        if parts is None:
            continue
        year = year or parts.year
        month = month or parts.month
        day = day or parts.day
    if month is None:
        day = None
    return format_iso(year, month, day) or raw


def sort_key(value: str | None) -> tuple[int, int, int, int]:
    """Dated first (by date), then month/day-only dates, then undated."""
    parts = parse_iso(value)
    if parts is None:
        return (2, 0, 0, 0)
    if parts.year is None:
        return (1, 0, parts.month or 0, parts.day or 0)
    return (0, parts.year, parts.month or 0, parts.day or 0)


def shift_day(iso_day: str | None, days: int) -> str | None:
    """The full ISO date ``days`` after ``iso_day`` (None unless it is a full date)."""
    parts = parse_iso(iso_day)
    if parts is None or None in parts:
        return None
    assert parts.year is not None and parts.month is not None and parts.day is not None
    day = dt.date(parts.year, parts.month, parts.day) + dt.timedelta(days=days)
    return day.isoformat()


def relative_day(sentence: str) -> tuple[str, int] | None:
    """The word in ``sentence`` that names a day relative to the publication date and
    its offset in days (今天 → 0, 昨日 → -1), or None."""
    from agent import lexicon

    table: dict[str, int] = lexicon.table("numbers", "relative_days")
    return next(((word, days) for word, days in table.items() if word in sentence), None)


def named_day(sentence: str, published: str | None) -> tuple[str, dt.date] | None:
    """The word in ``sentence`` that names a day relative to the publication date and
    that day (“今天” in a report of 2023-07-15 → 2023-07-15); None when there is no such
    word or the publication date is not a full date."""
    found = relative_day(sentence)
    day = shift_day(published, found[1]) if found else None
    return (found[0], dt.date.fromisoformat(day)) if found and day else None
