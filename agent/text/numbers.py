"""Numbers, units, deadlines and dates in Chinese news text -- parsed by code, never by the model.

Chinese numerals (三, 十五, 百, 两, 二〇二五 …) are converted with the ``cn2an`` library.
Everything else here is code because no library covers it: cn2an has no notion of
qualifiers (近/余/不低于), counters/units, ranges, traditional characters, offsets in the
source text, or partial dates such as ``6月12日`` / ``2023岁晚``.

Rules (all applied to a *normalised* copy of the text that has the same length as the
input, so offsets always refer to the original string):

* Traditional → simplified: only the characters that matter for numbers (萬億個餘兩項…),
  via a 1:1 character table (``_T2S``).  OpenCC is deliberately not used here: it converts
  phrases and may change the length of the text, which would break offsets.
* Magnitudes 百/千/万/亿 (also combined, ``3.19亿``, ``22.1万亿``, ``300余万``) are folded
  into ``value``; ``元`` becomes unit ``CNY`` (``3.19亿元`` → 319000000, CNY).
* Units are normalised by ``UNIT_MAP`` (人/名/位 → ``persons``, 人次 → ``person-times``,
  个月 → 月, 個 → 个 …); other counters are kept as their simplified character.
* Qualifiers are kept as their simplified surface form (``近``, ``余``, ``不低于`` …); the
  meaning of each is documented in ``PRE_QUALIFIERS`` / ``POST_QUALIFIERS``.  If a number has
  both, the one before wins, unless it is a mere assertion (达/达到/高达/多达) and there is one
  after (``达20余万`` → ``余``).
* Chinese-numeral quantities need a unit (``三个``, ``两倍``); bare Chinese numerals are
  words too often (一体两翼, 三教, 十四五) to count.  Arabic numbers count with or without
  a unit; numbers glued to latin letters (``5G``, ``3E``) are not quantities.
* Dates (``2023年``, ``6月12日``, ``2024-05-17``, ``2023岁晚``, ``11日``) and clock times are
  not quantities; neither are ordinals (``第一届``, ``第 01 版``), decades (``九十年代``)
  or generation labels (``00后``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

import cn2an

from agent import lexicon

__all__ = [
    "POST_QUALIFIERS",
    "PRE_QUALIFIERS",
    "UNIT_MAP",
    "Quantity",
    "find_quantities",
    "normalize",
    "numbers_in",
    "parse_amount",
    "parse_change",
    "parse_date",
    "parse_deadline_year",
    "unsupported_numbers",
]


@dataclass(frozen=True)
class Quantity:
    """A number found in text. ``raw`` == ``text[start:end]`` of the *original* input."""

    value: float
    unit: str | None
    qualifier: str | None
    raw: str
    start: int
    end: int
    high: float | None = None  # upper bound of a range such as 3-5年 (value is the lower bound)


# --------------------------------------------------------------------------- tables
# Word lists and tables live in agent/lexicon/numbers.toml.

# Traditional (and full-width) characters → simplified/ASCII, 1:1 so offsets are kept.
_T2S = str.maketrans(lexicon.table("numbers", "traditional_to_simplified"))

#: Qualifier before a number → its meaning (output keeps the simplified surface form).
PRE_QUALIFIERS: dict[str, str] = dict(lexicon.table("numbers", "pre_qualifiers"))
#: Qualifier after a number (or after its unit: 400家以上) → meaning.
POST_QUALIFIERS: dict[str, str] = dict(lexicon.table("numbers", "post_qualifiers"))
_ASSERTIVE = set(lexicon.words("numbers", "assertive_qualifiers"))
_BARE_MAG_ONLY = set(lexicon.words("numbers", "bare_magnitude_qualifiers"))
# Long-distance comparatives accepted by parse_amount (不低于正在校生规模两倍).
_COMPARATIVES = lexicon.words("numbers", "comparatives")
# Words allowed between a qualifier and its number (至少累计1个月).
_FILLERS = lexicon.words("numbers", "fillers")

#: Unit surface form (simplified) → normalised unit.  Units not listed keep their form.
UNIT_MAP: dict[str, str] = dict(lexicon.table("numbers", "unit_map"))
_COUNTERS = list(lexicon.words("numbers", "counters"))
_UNITS = sorted({*UNIT_MAP, *_COUNTERS}, key=len, reverse=True)
# Counters too ambiguous after a *Chinese* numeral (一条龙, 一件事).
_CN_EXCLUDED_UNITS = set(lexicon.words("numbers", "chinese_numeral_excluded_units"))

# --------------------------------------------------------------------------- regexes

_AR = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = r"[零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟]+"
_MAG = r"(?:[千万亿]|百(?!分))*"
_PRE_ALT = "|".join(sorted(PRE_QUALIFIERS, key=len, reverse=True))
_POST_ALT = "|".join(sorted(POST_QUALIFIERS, key=len, reverse=True))
_UNIT_ALT = "|".join(re.escape(u) for u in _UNITS)
_UNIT_QUAL_ALT = "|".join(lexicon.words("numbers", "unit_qualifiers"))
_YEAR_END_ALT = "|".join(lexicon.words("numbers", "year_end_words"))
_DEADLINE_PRE_ALT = "|".join(lexicon.words("numbers", "deadline_prepositions"))
_DEADLINE_POST_ALT = "|".join(lexicon.words("numbers", "deadline_suffixes"))
_CHANGE_FROM_ALT = "|".join(lexicon.words("numbers", "change_from"))
_CHANGE_VERB_ALT = "|".join(lexicon.words("numbers", "change_verbs"))

# A unit must end the amount: 联合体 after 三 is not 三联, 人才 after 8 is not 8人
# ("8·8人才交流会").
_QTY_RE = re.compile(
    rf"""
    (?:(?P<pre>{_PRE_ALT})(?:{"|".join(_FILLERS)})?\s*)?
    (?:
        (?P<pct>百分之)(?P<pnum>{_AR}|{_CN})
      | (?<![\d.A-Za-z])(?P<n1>{_AR})(?P<m1>{_MAG})
        (?:\s*[-–—~至到]\s*(?P<n2>{_AR})(?P<m2>{_MAG}))?
        (?![\d.A-Za-z])
      | (?P<c1>{_CN})(?:[至到](?P<c2>{_CN}))?
    )
    (?P<post>{_POST_ALT})?
    (?P<m3>[万亿]*)
    (?P<unit>(?:{_UNIT_ALT})(?!一体)(?!(?<=人)才))?
    (?P<post2>{_UNIT_QUAL_ALT})?
    """,
    re.VERBOSE,
)

_YEAR = r"(?:(?<!\d)(?:19|20)\d{2}(?!\d)|[〇零一二三四五六七八九]{4})"
# 元月 is January ("教育部办公厅于元月3日印发"), but not the 元 of an amount (万元月均).
_YUANYUE = r"(?<![0-9一二三四五六七八九十百千万亿])元(?=\s*月)"
_MONTH = rf"(?:(?<!\d)\d{{1,2}}|十[一二]?|[一二三四五六七八九]|{_YUANYUE})"
_DAY = r"(?:(?<!\d)\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")),
    (
        "ymd",
        re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MONTH})\s*月(?:\s*(?P<d>{_DAY})\s*[日号])?"),
    ),
    ("md", re.compile(rf"(?P<m>{_MONTH})\s*月\s*(?P<d>{_DAY})\s*[日号]")),
    ("yrange", re.compile(rf"(?P<y>{_YEAR})\s*年?\s*[-–—~至到]\s*(?P<y2>{_YEAR})\s*年")),
    ("yend", re.compile(rf"(?P<y>{_YEAR})\s*(?:年\s*)?(?:{_YEAR_END_ALT})")),
    ("y", re.compile(rf"(?P<y>{_YEAR})\s*年")),
    ("m", re.compile(rf"(?P<m>{_MONTH})\s*月(?!份?\s*[\d一二三四五六七八九十])")),
    ("d", re.compile(rf"(?P<d>{_DAY})\s*[日号]")),
    ("time", re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")),
)

_YEAR_RANGE_END_RE = re.compile(rf"{_YEAR}\s*年?\s*[-–—~]\s*(?P<y>{_YEAR})\s*年")
_DEADLINE_RE = re.compile(
    rf"(?P<pre>{_DEADLINE_PRE_ALT})?\s*(?P<y>{_YEAR})\s*年?\s*"
    rf"(?P<post>{_DEADLINE_POST_ALT}|前(?![一二三四五六七八九十几\d]))?"
)
_ORDINAL_RE = re.compile(rf"第\s*(?P<n>{_AR}|{_CN})")
_ARABIC_RE = re.compile(r"(?<![\d.])(?:\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_MARKER_RE = re.compile(
    r"(?m)^[ \t>*\-]*(?:\d{1,2}[.、)）](?!\d)|[(（]\d{1,2}[)）])|\[\d{1,3}\]|【\d{1,3}】"
)
_CHANGE_RE = re.compile(rf"(?:{_CHANGE_FROM_ALT})(?P<a>[^，,。；;]{{1,20}}?)(?:{_CHANGE_VERB_ALT})")
_MASK = "\x00"


# --------------------------------------------------------------------------- helpers


def normalize(text: str) -> str:
    """Same-length copy of ``text`` with traditional/full-width number vocabulary simplified."""
    out = text.translate(_T2S)
    if len(out) != len(text):  # pragma: no cover - the table is 1:1 by construction
        raise AssertionError("normalisation must keep offsets")
    return out


def _cn_value(s: str) -> Decimal | None:
    """Chinese numeral → Decimal via cn2an (百/千/万/亿 alone get an implicit 一)."""
    if s[0] in "百千万亿佰仟":
        s = "一" + s
    try:
        v = cn2an.cn2an(s, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return Decimal(str(v))
    except InvalidOperation:  # pragma: no cover
        return None


_MAGNITUDES = {ch: Decimal(v) for ch, v in lexicon.table("numbers", "magnitudes").items()}


def _mag(s: str | None) -> Decimal:
    m = Decimal(1)
    for ch in s or "":
        m *= _MAGNITUDES[ch]
    return m


def _ar_value(s: str) -> Decimal:
    return Decimal(s.replace(",", ""))


def _to_float(d: Decimal) -> float:
    return float(d)


@dataclass(frozen=True)
class _Date:
    kind: str
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    year2: int | None = None
    parts: tuple[tuple[str, int], ...] = ()  # (raw text of the component, value)


def _int_of(s: str) -> int | None:
    s = s.strip()
    if s == "元":  # 元月
        return 1
    if s.isdigit():
        return int(s)
    d = _cn_value(s)
    return int(d) if d is not None else None


def _find_dates(norm: str) -> list[_Date]:
    """All date-like spans (leftmost, then longest; non-overlapping)."""
    cands: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, rx in _DATE_PATTERNS:
        for m in rx.finditer(norm):
            cands.append((m.start(), -(m.end() - m.start()), kind, m))
    cands.sort(key=lambda c: (c[0], c[1]))
    out: list[_Date] = []
    last_end = -1
    for start, _neg, kind, m in cands:
        if start < last_end:
            continue
        gd = m.groupdict()
        vals: dict[str, int | None] = {}
        parts: list[tuple[str, int]] = []
        for g in ("y", "m", "d", "y2"):
            raw = gd.get(g)
            vals[g] = _int_of(raw) if raw else None
            if raw and vals[g] is not None:
                parts.append((raw, vals[g] or 0))
        mo, dy = vals["m"], vals["d"]
        if mo is not None and not 1 <= mo <= 12:
            continue
        if dy is not None and not 1 <= dy <= 31:
            continue
        out.append(_Date(kind, start, m.end(), vals["y"], mo, dy, vals["y2"], tuple(parts)))
        last_end = m.end()
    return out


def _masked(norm: str, spans: list[tuple[int, int]]) -> str:
    chars = list(norm)
    for s, e in spans:
        chars[s:e] = _MASK * (e - s)
    return "".join(chars)


def _quantities(text: str, norm: str, work: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in _QTY_RE.finditer(work):
        g = m.groupdict()
        pre, post = g["pre"], g["post"] or g["post2"]
        unit_s = g["unit"]
        start = m.start()
        if g["pct"]:
            base = _cn_value(g["pnum"]) if not g["pnum"][0].isdigit() else _ar_value(g["pnum"])
            if base is None:
                continue
            low, high, unit_s = base, None, "%"
        elif g["n1"]:
            m1, m2 = _mag(g["m1"]), _mag(g["m2"])
            if g["n2"] and not g["m1"]:
                m1 = m2  # 10-20万人: the magnitude applies to both ends
            low = _ar_value(g["n1"]) * m1
            high = _ar_value(g["n2"]) * m2 if g["n2"] else None
        else:
            if unit_s is None or unit_s in _CN_EXCLUDED_UNITS:
                continue
            c_low = _cn_value(g["c1"])
            c_high = _cn_value(g["c2"]) if g["c2"] else None
            if c_low is None or (g["c2"] and c_high is None):
                continue
            low, high = c_low, c_high
        num_start = m.start("pct") if g["pct"] else m.start("n1") if g["n1"] else m.start("c1")
        if work[:num_start].rstrip().endswith("第"):
            continue  # ordinal (第一届, 第 01 版), not a quantity
        if unit_s == "年" and work[m.end() : m.end() + 1] == "代":
            continue  # 九十年代: a decade, not a duration
        if g["n1"] and not unit_s and not post and re.fullmatch(r"\d\d", g["n1"]):
            if work[m.end() : m.end() + 1] == "后":
                continue  # 00后 / 90后: a generation label
        if pre in _BARE_MAG_ONLY and not (g["c1"] and set(g["c1"]) <= set("百千万亿")):
            pre, start = None, num_start
        m3 = _mag(g["m3"])
        low *= m3
        high = high * m3 if high is not None else None
        qualifier = pre
        if pre is None or (pre in _ASSERTIVE and post):
            qualifier = post or pre
        unit = UNIT_MAP.get(unit_s, unit_s) if unit_s else None
        end = m.end()
        while end > start and work[end - 1].isspace():
            end -= 1
        out.append(
            Quantity(
                value=_to_float(low),
                unit=unit,
                qualifier=qualifier,
                raw=text[start:end],
                start=start,
                end=end,
                high=_to_float(high) if high is not None else None,
            )
        )
    return out


# --------------------------------------------------------------------------- public API


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text`` (simplified or traditional), in order of appearance."""
    norm = normalize(text)
    work = _masked(norm, [(d.start, d.end) for d in _find_dates(norm)])
    return _quantities(text, norm, work)


def parse_amount(text: str) -> Quantity | None:
    """The quantity in a short copied phrase (``50余所``, ``近400家``, ``3.19億元``).

    Prefers the first quantity that has a unit.  A comparative earlier in the same
    clause is attached when the number has no qualifier of its own
    (``不低于在校生规模两倍`` → 2, 倍, 不低于).
    """
    qs = find_quantities(text)
    if not qs:
        return None
    q = next((x for x in qs if x.unit is not None), qs[0])
    if q.qualifier is None:
        clause = re.split(r"[，,。；;：:！？]", normalize(text)[: q.start])[-1]
        best: tuple[int, str] | None = None
        for word in _COMPARATIVES:
            pos = clause.rfind(word)
            if pos >= 0 and (best is None or pos > best[0]):
                best = (pos, word)
        if best is not None:
            q = replace(q, qualifier=best[1])
    return q


def parse_change(text: str) -> tuple[Quantity, Quantity] | None:
    """``由39个增长至92个`` / ``从16人发展到46人`` → (baseline, new value); None otherwise."""
    m = _CHANGE_RE.search(normalize(text))
    if not m:
        return None
    qs = find_quantities(text)
    before = [q for q in qs if m.start("a") <= q.start < m.end("a")]
    after = [q for q in qs if q.start >= m.end("a")]
    if not before or not after:
        return None
    return before[-1], after[0]


def unit_at(text: str, pos: int) -> str | None:
    """The normalised unit written at ``text[pos:]`` (after 多少/几 in a question:
    “几所” → 所, “多少名” → persons, “多少万元” → CNY), or None."""
    rest = normalize(text[pos : pos + 8]).lstrip("千万亿百")
    for unit in _UNITS:
        if rest.startswith(unit):
            return UNIT_MAP.get(unit, unit)
    return None


def parse_deadline_year(text: str) -> int | None:
    """Deadline year of a phrase, or None.

    A year is a deadline only when introduced by 到/至/直至/直到 (``到2025年``) or
    followed by 底/末/前/以前/之前 (``2025年前``, ``2025年底``).  ``截至/截止`` mean
    "as of" (a reporting date), so they never make a deadline; neither does a plain
    year (``2023年``) or ``2023年前三季度``.  A plan period ``2023—2025年`` gives its
    last year.
    """
    norm = normalize(text)
    rng = _YEAR_RANGE_END_RE.search(norm)
    if rng:  # a plan period 2023—2025年 ends in its last year
        year = _int_of(rng.group("y"))
        if year is not None and 1900 <= year <= 2100:
            return year
    return next((year for _, year in _deadlines(norm)), None)


def _deadlines(norm: str) -> Iterator[tuple[re.Match[str], int]]:
    """The years of ``norm`` written as deadlines (:func:`parse_deadline_year`'s rule)."""
    for m in _DEADLINE_RE.finditer(norm):
        pre, post = m.group("pre"), m.group("post")
        if pre and pre.startswith("截"):
            continue
        if not pre and not post:
            continue
        year = _int_of(m.group("y"))
        if year is not None and 1900 <= year <= 2100:
            yield m, year


_WRITTEN_YEAR = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})年")


def written_year(text: str) -> int | None:
    """The year a report without a publication date is written in: the year its text
    names most often, the later on a tie ("7月19日，在国务院新闻办举行的2023年上半年工业和
    信息化发展情况新闻发布会上" under a yearless stamp is 2023-07-19); deadlines ("到2025年",
    "2025年底前": :func:`parse_deadline_year`'s rule) not counted; None when it names
    none."""
    norm = normalize(text)
    deadlines = {m.start("y") for m, _ in _deadlines(norm)}
    counts = Counter(int(m["y"]) for m in _WRITTEN_YEAR.finditer(norm)
                     if m.start("y") not in deadlines)
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def parse_date(text: str, *, default_year: int | None = None) -> str | None:
    """First date in ``text`` as ISO or partial ISO.

    ``2023年11月10日`` → ``2023-11-10``; ``6月12日`` → ``--06-12`` (``2023-06-12`` with
    ``default_year``); ``2023年6月`` → ``2023-06``; ``2024-05-17 22:51:08`` →
    ``2024-05-17``; ``2023岁晚``/``2023年底``/``2023年`` → ``2023``; a month alone →
    ``YYYY-MM`` only with ``default_year``; a day alone (``11日``) → None.
    """
    for d in _find_dates(normalize(text)):
        if d.kind in {"time", "d", "yrange"}:
            continue
        y = d.year if d.year is not None else default_year
        if d.month is not None and d.day is not None:
            return f"{y:04d}-{d.month:02d}-{d.day:02d}" if y else f"--{d.month:02d}-{d.day:02d}"
        if d.month is not None:
            if y is None:
                continue
            return f"{y:04d}-{d.month:02d}"
        if d.year is not None:
            return f"{d.year:04d}"
    return None


def parse_dated(text: str, published_year: int | None) -> tuple[str | None, bool]:
    """The first date in ``text`` with the publication year standing in for a missing one,
    and whether it did (``6月12日`` in a 2023 report → ``("2023-06-12", True)``)."""
    date = parse_date(text, default_year=published_year)
    stated = parse_date(text)
    return date, date is not None and date != stated


def _key(v: float) -> float:
    return round(v, 6)


def numbers_in(text: str) -> set[float]:
    """Numeric values mentioned in ``text``: folded quantities (4.33万 → 43300), every raw
    arabic number (4.33, 2024, 5 and 17 of 2024-05-17), date parts and ordinals."""
    norm = normalize(text)
    dates = _find_dates(norm)
    out: set[float] = set()
    for q in _quantities(text, norm, _masked(norm, [(d.start, d.end) for d in dates])):
        out.add(q.value)
        if q.high is not None:
            out.add(q.high)
    for m in _ARABIC_RE.finditer(norm):
        out.add(float(m.group().replace(",", "")))
    for d in dates:
        out.update(float(part) for _raw, part in d.parts)
    for m in _ORDINAL_RE.finditer(norm):
        v = _ar_value(m["n"]) if m["n"][0].isdigit() else _cn_value(m["n"])
        if v is not None:
            out.add(float(v))
    return out


def _mentions(text: str) -> list[tuple[int, str, list[float]]]:
    """Numbers asserted by ``text`` (list/citation markers masked): (pos, raw, values)."""
    norm = normalize(text)
    markers = [(m.start(), m.end()) for m in _MARKER_RE.finditer(norm)]
    norm = _masked(norm, markers)
    dates = _find_dates(norm)
    out: list[tuple[int, str, list[float]]] = []
    for d in dates:
        if d.kind == "time":
            continue
        pos = d.start
        for raw, part in d.parts:
            pos = norm.find(raw, pos)
            out.append((pos, text[pos : pos + len(raw)], [float(part)]))
            pos += len(raw)
    work = _masked(norm, [(d.start, d.end) for d in dates])
    for q in _quantities(text, norm, work):
        out.append((q.start, q.raw, [q.value] + ([q.high] if q.high is not None else [])))
    for m in _ORDINAL_RE.finditer(work):
        v = _ar_value(m["n"]) if m["n"][0].isdigit() else _cn_value(m["n"])
        if v is not None:
            out.append((m.start(), text[m.start() : m.end()], [float(v)]))
    out.sort(key=lambda t: t[0])
    return out


def month_days(text: str) -> set[tuple[int, int]]:
    """The (month, day) pairs ``text`` states; a day after a date of the same sentence
    takes its month (“7月24日至31日” states 7-24 and 7-31)."""
    out: set[tuple[int, int]] = set()
    month: int | None = None
    for d in _find_dates(normalize(text)):
        if d.kind == "time":
            continue
        month = d.month if d.month is not None else month
        if month is not None and d.day is not None:
            out.add((month, d.day))
    return out


def unsupported_dates(answer: str, quotes: list[str],
                      days: Iterable[tuple[int, int]] = ()) -> list[str]:
    """Dates of ``answer`` with month and day that none of ``quotes`` states (nor
    ``days``, e.g. the day 今天 in a quote names): “9月15日” is not supported by a quote
    holding 第九 and 7·15 although both numbers are there."""
    supported = set(days).union(*(month_days(q) for q in quotes))
    norm = normalize(answer)
    out: list[str] = []
    for d in _find_dates(norm):
        if d.kind != "time" and d.month is not None and d.day is not None:
            if (d.month, d.day) not in supported:
                out.append(answer[d.start : d.end])
    return out


def unsupported_numbers(answer: str, quotes: list[str]) -> list[str]:
    """Number strings of ``answer`` whose value appears in none of ``quotes``.

    4.33万 and 43300 are the same value; years and other date parts count; list markers
    at line start (``1.``, ``2、``, ``(3)``) and citation markers (``[1]``, ``【2】``) are
    ignored.  Each unsupported string is reported once, in order of appearance.
    """
    supported = {_key(v) for q in quotes for v in numbers_in(q)}
    out: list[str] = []
    for _pos, raw, values in _mentions(answer):
        if any(_key(v) not in supported for v in values) and raw not in out:
            out.append(raw)
    return out
