"""Noun phrases next to an amount, by jieba's part-of-speech tags: what a figure counts.

"吸引了67所职业院校" counts 职业院校 (the nouns after the amount); "国家级技能大师工作室40个"
counts 国家级技能大师工作室 (the nouns that end the words before it). Tags are read on the
simplified search form; the phrase is cut from the text in its own script (same length).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from agent import lexicon

# jieba flags of words that may belong to a noun phrase: nouns (n, ns, nt, nz, ng, nl),
# verbal and adjectival nouns (vn 培训, an), distinguishing words (b 国家级, 省级),
# abbreviations (j), Latin words (eng 3M).
NOUN_FLAGS = frozenset({"n", "ns", "nt", "nz", "ng", "nl", "vn", "an", "b", "j", "eng"})
_NOUNS = frozenset(lexicon.words("extraction", "targets.nouns_tagged_otherwise"))


@cache
def _posseg() -> Any:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def _tagged(form: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for pair in _posseg().cut(form):
        flag = "n" if pair.word in _NOUNS else pair.flag
        out.append((pos, pos + len(pair.word), flag))
        pos += len(pair.word)
    return out


def leading_nouns(text: str, form: str) -> str:
    """The nouns ``text`` starts with ("职业院校参赛" → 职业院校); "" when it starts with
    another kind of word."""
    end = 0
    for start, stop, flag in _tagged(form):
        if flag not in NOUN_FLAGS or start != end:
            break
        end = stop
    return text[:end]


def trailing_nouns(text: str, form: str) -> str:
    """The nouns ``text`` ends with ("累计培训学员" → 培训学员); "" when it ends with another
    kind of word."""
    tags = _tagged(form)
    start = len(form)
    for begin, stop, flag in reversed(tags):
        if flag not in NOUN_FLAGS or stop != start:
            break
        start = begin
    return text[start:]
