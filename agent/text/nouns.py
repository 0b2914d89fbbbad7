"""Noun phrases next to an amount, by jieba's part-of-speech tags: what a figure counts.

"吸引了67所职业院校" counts 职业院校 (the nouns after the amount); "国家级技能大师工作室40个"
counts 国家级技能大师工作室 (the nouns that end the words before it). Tags are read on the
simplified search form; the phrase is cut from the text in its own script (same length).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from agent import lexicon

# jieba flags of words that may belong to a noun phrase: nouns (n, ns, nt, nz, ng, nl),
# verbal and adjectival nouns (vn 培训, an), distinguishing words (b 国家级, 省级),
# abbreviations (j), Latin words (eng 3M).
NOUN_FLAGS = frozenset({"n", "ns", "nt", "nz", "ng", "nl", "vn", "an", "b", "j", "eng"})
_NOUNS = frozenset(lexicon.words("extraction", "targets.nouns_tagged_otherwise"))
_NOT_NOUNS = frozenset(lexicon.words("extraction", "targets.not_nouns"))


@cache
def _posseg() -> Any:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def _tagged(form: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    pos = 0
    for pair in _posseg().cut(form):
        flag = "n" if pair.word in _NOUNS else "d" if pair.word in _NOT_NOUNS else pair.flag
        if pair.word == "型" and out:
            # "人才引领型合作社", "服务型企业": a word with 型 qualifies the noun after it
            # (jieba cuts 引领/型 apart, tagging a verb and a suffix)
            out[-1] = (out[-1][0], pos + 1, "b")
        else:
            out.append((pos, pos + len(pair.word), flag))
        pos += len(pair.word)
    return out


def is_verb_word(form: str, start: int, end: int) -> bool:
    """Whether ``form[start:end]`` opens with a verb or preposition word and ends at a
    word's end: 为 is one in "成为X联盟" and "为X联盟", not in "华为开发者联盟"."""
    tags = _tagged(form)
    first = next((flag for a, b, flag in tags if a <= start < b), "")
    return first[:1] in ("v", "p") and any(b == end for _, b, _ in tags)


def leading_nouns(text: str, form: str) -> str:
    """The nouns ``text`` starts with ("职业院校参赛" → 职业院校); "" when it starts with
    another kind of word."""
    end = 0
    for start, stop, flag in _tagged(form):
        if flag not in NOUN_FLAGS or start != end:
            break
        if flag == "vn" and form[stop : stop + 1] == "了":
            break  # "77所大学建设了288个基地": a verbal noun before 了 is the verb
        end = stop
    return text[:end]


_NOTE = re.compile(r"[（(][^（）()，,。；;、]{1,12}[）)]")


def listed_nouns(text: str, form: str) -> str:
    """Kinds listed with 、 that ``text`` starts with, each nouns only and a bracketed note
    allowed ("高校、职校（技工学校）设展" → 高校、职校（技工学校）); "" when fewer than two
    items or an item is not a noun ("学生3000人、教师200人")."""
    ends: list[int] = []
    at = 0
    while True:
        nouns = leading_nouns(text[at:], form[at:])
        if not nouns:
            return ""
        at += len(nouns)
        if (note := _NOTE.match(form, at)) and leading_nouns(
                text[note.start() + 1 : note.end() - 1], form[note.start() + 1 : note.end() - 1]
        ) == text[note.start() + 1 : note.end() - 1]:
            at = note.end()
        if re.match(r"[\d一二三四五六七八九十百千万两几]", form[at : at + 1]):
            break  # "…机构、衢州市900多家企业": the scope of the next amount
        ends.append(at)
        if form[at : at + 1] != "、":
            break
        at += 1
    return text[: ends[-1]] if len(ends) >= 2 else ""


def trimmed_phrase(text: str, form: str) -> str:
    """``text`` cut to a noun phrase: without the words after its last noun, and from after
    its last 的 or colon ("各地培育的产教融合型企业已" → 产教融合型企业, "职业教育专业点的" →
    职业教育专业点, "用数据说话：高职毕业生就业率近5年稳定在" → 高职毕业生就业率); ``text``
    itself when too little is left."""
    end, previous, bracket_after_noun = 0, "", False
    for start, stop, flag in _tagged(form):
        word = form[start:stop]
        if word in ("（", "("):
            bracket_after_noun = end == start
        # a counter jieba tags after a noun (专业点) and a note in brackets after one
        # (职校（技工学校）, 中级（四级）) belong to the phrase
        if (flag in NOUN_FLAGS or (flag in ("q", "m") and previous in NOUN_FLAGS)
                or (word in ("）", ")") and bracket_after_noun)):
            end = stop
        previous = flag
    at = max(form.rfind(mark, 0, end) for mark in ("的", "：", ":")) + 1
    if end - at < 2:
        at = 0
    return text[at:end] if end - at >= 2 else text


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


# Words skipped between a verb and the thing it counts ("进入本次决赛", "培养各类人才").
_SKIPPED_FLAGS = frozenset({"r", "ul", "uz", "ug", "m"})


def predicate_after(text: str, form: str, verbs: frozenset[str]) -> str:
    """One of ``verbs`` that ``text`` starts with, past the adjuncts :func:`_past_adjuncts`
    skips, and the nouns it governs ("入围省决赛，…" → 入围省决赛, "进入本次决赛" → 进入决赛,
    "（含往届项目）进入决赛" → 进入决赛); "" when another word comes first."""
    tags = _tagged(form)
    at = _past_adjuncts(form, tags, verbs)
    if at == len(tags) or form[tags[at][0] : tags[at][1]] not in verbs:
        return ""
    out = text[tags[at][0] : tags[at][1]]
    quoted_until = -1
    for start, stop, flag in tags[at + 1 :]:
        if form[start:stop] == "“" and (close := form.find("”", stop)) >= 0:
            quoted_until = close + 1  # a name in quotes: "加入了“某某实践基地”联盟"
        if start < quoted_until:
            out += text[start:stop]
            continue
        if any(ch.isdigit() for ch in form[start:stop]):
            break  # another amount: "学生通过平台申报6873个项目" counts 申报学生
        if flag in _SKIPPED_FLAGS:
            continue
        if flag not in NOUN_FLAGS:
            break
        out += text[start:stop]
    return out


# "3个项目未进入决赛" does not count the projects that entered.
_NEGATIONS = frozenset({"不", "未", "没", "没有", "无", "尚未", "并未"})

ADJUNCT_MAX_CHARS = 12
"""Longest prepositional phrase skipped before a verb ("通过大创网" in "9574名学生通过大创网
申报"); a longer one is a clause of its own."""


def _past_adjuncts(form: str, tags: list[tuple[int, int, str]], verbs: frozenset[str]) -> int:
    """Index of the first tag past what may stand between a counted noun and its verb: a
    parenthesis ("409个团队（含往届国赛铜奖项目）进入决赛"), an adverb other than a negation
    ("等9家机构也加入了"), a prepositional phrase up to a verb of ``verbs`` ("9574名学生
    通过大创网申报"), and a second amount the first one owns ("122所高校的36.8万个项目报名
    参赛": the schools whose projects entered)."""
    at = 0
    while at < len(tags):
        start, stop, flag = tags[at]
        word = form[start:stop]
        if word in ("（", "("):
            close = next((i for i in range(at + 1, len(tags))
                          if form[tags[i][0] : tags[i][1]] in ("）", ")")), None)
            if close is None:
                return at
            at = close + 1
        elif flag == "p":
            verb = next((i for i in range(at + 1, len(tags))
                         if form[tags[i][0] : tags[i][1]] in verbs
                         or tags[i][2] == "x" or tags[i][0] - stop > ADJUNCT_MAX_CHARS), None)
            if verb is None or form[tags[verb][0] : tags[verb][1]] not in verbs:
                return at
            at = verb
        elif flag == "d" and word not in _NEGATIONS:  # "等9家机构也加入了…"
            at += 1
        elif word == "的" and at + 1 < len(tags) and tags[at + 1][2] == "m":
            at += 1
            while at < len(tags) and (tags[at][2] in NOUN_FLAGS or tags[at][2] in {"m", "q"}):
                at += 1  # "参赛" in "的36.8万个参赛项目中" qualifies the noun
        else:
            return at
    return at


# Tags that make a list item a clause, not a kind: a verb, a preposition, 了 or 的.
_CLAUSE_FLAGS = frozenset({"v", "p", "ul", "uj"})

LIST_MAX_CHARS = 40
"""Longest list of kinds read as the thing an amount counts."""


def listed_kinds(text: str, form: str) -> str:
    """A list of kinds closed by 等 and its noun that ``text`` starts with: what the amount
    before it counts ("80余场技能夏（冬）令营、技能体验日、大师讲堂等活动", "开设30个电工、焊工
    等工种"); "" when ``text`` does not start with one (a verb on the way, no 、, no 等)."""
    head = form[: LIST_MAX_CHARS + 1]
    cut = re.split(r"[，,。；;：:]", head)[0]
    at = cut.find("等")
    if at <= 0 or "、" not in cut[:at]:
        return ""
    for item in cut[:at].split("、"):
        # "学生参加了讲座、沙龙等活动" and "发放补贴" hold a verb; jieba tags 焊工 v alone
        tags = _tagged(item)
        if len(tags) > 1 and any(flag in _CLAUSE_FLAGS for _, _, flag in tags):
            return ""
    noun = leading_nouns(text[at + 1 :], form[at + 1 :])
    return text[: at + 1 + len(noun)] if noun else ""


def verb_before(text: str, form: str, verbs: frozenset[str] | None = None) -> str:
    """One of ``verbs`` (any verb when None) that ``text`` ends with, past 了 and words such
    as 各类 ("通过大创网申报" → 申报, "某公司向某大学捐赠" → 捐赠); "" when it ends with
    another word."""
    for start, stop, flag in reversed(_tagged(form)):
        word = form[start:stop]
        if flag in _SKIPPED_FLAGS or (verbs is not None and word == "的"):  # "申报的215个项目"
            continue
        # any verb: two characters at least, so that modal 可 or 将 is not taken for one
        found = word in verbs if verbs is not None else flag == "v" and len(word) >= 2
        return text[start:stop] if found else ""
    return ""


# Flags that end the object of a verb: conjunctions (并, 和), particles (的, 了), punctuation.
_OBJECT_END_FLAGS = frozenset({"c", "uj", "ul", "uz", "ug", "x"})


MODIFIER_MAX_CHARS = 24
"""Longest modifier with 的 read past to the thing a verb before an amount counts."""
_MODIFIER = re.compile(rf"[^，,。；;：:的]{{1,{MODIFIER_MAX_CHARS}}}的")


def object_after(text: str, form: str, longest: int = 10) -> str:
    """The words ``text`` starts with up to a conjunction, particle or punctuation, cut
    back to end on a noun: what a verb before an amount counts ("在疆招生计划并在博开展…"
    → 在疆招生计划); past a modifier with 的, the nouns after it ("以工业园区为依托的市域
    产教联合体" → 市域产教联合体); "" when no such words."""
    if (modified := _MODIFIER.match(form)) and (
            nouns := leading_nouns(text[modified.end() :], form[modified.end() :])):
        return nouns  # "20万名适应新技术、新业态的高素质技术技能人才" → 高素质技术技能人才
    end = 0
    for start, stop, flag in _tagged(form):
        if form[start:stop] == "的":
            return leading_nouns(text[stop:], form[stop:])
        if flag in _OBJECT_END_FLAGS or stop > longest:
            break
        if flag in NOUN_FLAGS:
            end = stop
    return text[:end]


# Flags of names and terms a claim can invent: nouns, places, organisations, people,
# abbreviations, Latin words (verbal nouns such as 培训 are paraphrase, not names).
_NAME_FLAGS = frozenset({"n", "ns", "nt", "nz", "nr", "nrt", "nrfg", "j", "eng"})


def unsupported_terms(text: str, supports: Sequence[str]) -> list[str]:
    """Names and nouns of ``text`` (a search form) that occur in none of ``supports``: what
    a claim adds that its cited article does not say ("分成了职教赛道、商业赛道…" when the
    article names other tracks). A word jieba cut with a neighbouring character
    ("是指产教融合" → 指产教) counts as found when it is without that character."""
    out: list[str] = []
    for pair in _posseg().cut(text):
        word = pair.word
        if pair.flag not in _NAME_FLAGS or len(word) < 2 or word in out:
            continue
        forms = (word, word[1:], word[:-1]) if len(word) >= 3 else (word,)
        if not any(f in hay for f in forms for hay in supports):
            out.append(word)
    return out
