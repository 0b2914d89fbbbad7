"""The one place where Chinese text is normalised, for every stage and for the eval.

* :data:`PINYIN_GLUE`: tone-marked pinyin glued into words (``職業(yè)``, ``經濟(jì jì)``);
* script: :func:`detect_script`, :func:`to_simplified` (OpenCC t2s), :func:`to_script`;
* :func:`search_form`: simplified, half-width, **same length** as its input, so an index
  into it is an index into the text (search, matching, candidate finding);
* :func:`normalise_for_match`: the quote-matching form (t2s per character, NFKC, lower,
  whitespace and zero-width dropped, quotes and dashes folded) with its index map;
* :func:`fold`: the comparison form of short strings (key facts, names): NFKC, pinyin glue
  removed, t2s, lower, whitespace removed;
* :class:`NormalizedText`: a question or query normalised once at the entrance.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any, Literal

Script = Literal["simplified", "traditional", "mixed", "unknown"]

CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK_CLASS}]")
TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTERS = f"a-zA-Zü{TONES}"

#: ``(yè)`` / ``（jīng jì）`` after a character: at least one tone mark, so ``(AI)`` or
#: ``(GDP)`` never match. Group 1 is the pinyin.
PINYIN_GLUE = re.compile(
    rf"[\(（](?=[^\)）]*[{TONES}])"
    rf"([{_PINYIN_LETTERS}]+(?:[ '’][{_PINYIN_LETTERS}]+)*)[\)）]"
)

KEPT_PUNCT = frozenset(".%‰")
"""Punctuation kept even with ``drop_punct=True``: dropping it would change numbers."""

_FOLD = {
    "“": '"', "”": '"', "„": '"', "‟": '"', "「": '"', "」": '"', "『": '"', "』": '"',
    "﹁": '"', "﹂": '"', "﹃": '"', "﹄": '"', "〝": '"', "〞": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
    "—": "-", "–": "-", "―": "-", "‐": "-", "‑": "-", "‒": "-", "−": "-", "─": "-",
    "～": "~", "〜": "~",
    "【": "[", "】": "]", "〔": "(", "〕": ")",
    "・": "·", "•": "·",
}


def is_cjk(ch: str) -> bool:
    return bool(CJK_RE.match(ch))


def strip_pinyin_glue(text: str) -> str:
    return PINYIN_GLUE.sub("", text)


# --------------------------------------------------------------------------- script


@cache
def converter(config: str) -> Any:
    """The OpenCC converter ``config`` (``t2s`` / ``s2t``), built once."""
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """OpenCC t2s of the whole string (phrase-aware; the length may change)."""
    return str(converter("t2s").convert(text))


def to_script(text: str, script: str) -> str:
    """``text`` in ``script`` (traditional → s2t, anything else → t2s)."""
    if not text:
        return text
    return str(converter("s2t" if script == "traditional" else "t2s").convert(text))


@lru_cache(maxsize=65536)
def _char_t2s(ch: str) -> str:
    out = converter("t2s").convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=65536)
def _nfkc_char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch)
    return out if len(out) == 1 else ch


def search_form(text: str) -> str:
    """Simplified, half-width form of ``text`` with exactly the same length."""
    t2s = converter("t2s")
    out: list[str] = []
    for line in text.split("\n"):
        converted = t2s.convert(line)
        if len(converted) != len(line):
            converted = "".join(_char_t2s(ch) for ch in line)
        if not unicodedata.is_normalized("NFKC", converted):
            converted = "".join(_nfkc_char(ch) for ch in converted)
        out.append(converted)
    return "\n".join(out)


def _count_changed(text: str, conv: Any) -> int:
    count = 0
    for line in text.split("\n"):
        out = conv.convert(line)
        if len(out) == len(line):
            count += sum(1 for a, b in zip(line, out, strict=True) if a != b)
        else:
            count += sum(1 for ch in line if is_cjk(ch) and conv.convert(ch) != ch)
    return count


def _majority(trad: int, simp: int) -> Script:
    if trad == simp:
        return "mixed"
    return "traditional" if trad > simp else "simplified"


def detect_script(text: str) -> Script:
    """Traditional / simplified / mixed by how many characters OpenCC would change."""
    trad = _count_changed(text, converter("t2s"))
    simp = _count_changed(text, converter("s2t"))
    total = trad + simp
    if total < 3:
        return "unknown" if not CJK_RE.search(text) or total == 0 else _majority(trad, simp)
    if trad >= 0.8 * total:
        return "traditional"
    if simp >= 0.8 * total:
        return "simplified"
    return "mixed"


# --------------------------------------------------------------------------- matching forms


@lru_cache(maxsize=65536)
def _norm_char(ch: str, drop_punct: bool) -> str:
    if ch.isascii():
        if ch.isspace():
            return ""
        if drop_punct and not ch.isalnum() and ch not in KEPT_PUNCT:
            return ""
        return ch.lower()
    if unicodedata.category(ch) == "Cf":  # zero-width space, BOM, joiners
        return ""
    conv = _char_t2s(ch)
    out: list[str] = []
    for c in unicodedata.normalize("NFKC", conv).lower():
        c = _FOLD.get(c, c)
        if c.isspace() or unicodedata.category(c) == "Cf":
            continue
        if drop_punct and unicodedata.category(c)[0] in "PS" and c not in KEPT_PUNCT:
            continue
        out.append(c)
    return "".join(out)


def normalise_for_match(s: str, *, drop_punct: bool = False) -> tuple[str, list[int]]:
    """Normalise ``s`` for matching; returns ``(normalised, index_map)``.

    Traditional → simplified character by character (so the form stays aligned with its
    input), NFKC, lower case, whitespace and zero-width characters dropped, quotation marks
    and dashes folded to one form. ``index_map[i]`` is the index in ``s`` of the character
    that produced normalised character ``i``. With ``drop_punct`` punctuation and symbols
    are removed too (except :data:`KEPT_PUNCT`), so ``，`` vs ``、`` does not matter.
    """
    parts: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(s):
        n = _norm_char(ch, drop_punct)
        if n:
            parts.append(n)
            index.extend([i] * len(n))
    return "".join(parts), index


def fold(text: str) -> str:
    """Comparison form of a short string: NFKC, pinyin glue removed, t2s, lower case,
    whitespace removed (key facts and answers in the eval, names in matching)."""
    s = unicodedata.normalize("NFKC", text)
    s = strip_pinyin_glue(s)
    s = to_simplified(s).lower()
    return "".join(ch for ch in s if not ch.isspace())


# --------------------------------------------------------------------------- value object


@dataclass(frozen=True)
class NormalizedText:
    """A question or query normalised once, then passed down.

    ``simplified`` is :func:`search_form` of ``original`` (same length); ``tokens`` are the
    jieba search tokens of ``simplified`` (computed on first use).
    """

    original: str
    script: Script
    simplified: str

    @classmethod
    def of(cls, text: str | NormalizedText) -> NormalizedText:
        if isinstance(text, NormalizedText):
            return text
        return cls(original=text, script=detect_script(text), simplified=search_form(text))

    @cached_property
    def tokens(self) -> list[str]:
        from agent.index.lexical import tokenize

        return tokenize(self.simplified) if self.simplified.strip() else []
