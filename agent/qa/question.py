"""What a question asks for: its content words, the constraints an answer must meet, and
the script it is written in. Pure text analysis (jieba, OpenCC, the number parser); no
model, no store.

The constraints are the basis of every refusal decided by code in :mod:`agent.qa.answer`:

* numbers/years and place names (may be stated in the article's lead instead of the
  cited sentence: “2023年哈尔滨市…” is often only in the title);
* the thing counted by 多少/几 and the noun asked by 什么 (must be in the cited text);
* the unit asked by 多少/几 (“几所” needs a quantity counted in 所);
* the role verb asked about (“由谁主持” needs a sentence that says 主持);
* the organisation whose office-holder is asked (“X的校长是谁” needs 校长 tied to X).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal, NamedTuple

from agent import lexicon
from agent.text.normalize import NormalizedText, search_form
from agent.text.terms import says

# Question words and function words: never evidence of relevance.
STOPWORDS = frozenset(lexicon.load("questions")["stopwords"].split())
# Nouns that name what kind of answer is asked (“扮演什么角色”, “有哪些措施”): the answer
# states the role or the measures, never the noun, so a text need not contain it.
ASKED_KINDS = frozenset(lexicon.words("questions", "words.asked_kinds"))
# Class nouns (城市, 省份…) name what is asked (“在哪个城市”), never a place to find.
CLASS_NOUNS = frozenset(lexicon.table("terms", "instances"))
_YEARISH = re.compile(r"\d+(?:\.\d+)?")
_COUNTER = lexicon.load("questions")["counters"]
_COUNT_Q = re.compile(rf"(?<!哪)(?:多少|几(?!乎))[{_COUNTER}]?")
_PUNCT = set("，,。．.？?！!；;：:、（）()“”\"'‘’《》【】[] \n")
# Verbs between a counted noun and its question word: “高职院校有几所”.
_COUNT_LINK = frozenset(lexicon.words("questions", "count_links"))
_MODALS = frozenset(lexicon.words("questions", "words.modals"))

# Who did what: “由谁主持” must be answered from a sentence that says 主持, not 主办.
# Each asked verb → the spellings that state it (签订 is often written 签定 or 签署).
ROLE_VERBS: dict[str, tuple[str, ...]] = {
    verb: tuple(spellings) for verb, spellings in lexicon.table("questions", "role_verbs").items()
}
_WHEN_Q = re.compile("|".join(lexicon.words("questions", "words.when")))
_DAY_Q = re.compile("|".join(lexicon.words("questions", "words.which_day")))
_MONEY_Q = tuple(lexicon.words("questions", "words.money"))
_MEASURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    name: (lexicon.words("questions", f"measures.{name}.asks"),
           lexicon.words("questions", f"measures.{name}.units"))
    for name in lexicon.table("questions", "measures")
}
_WHY_Q = re.compile("|".join(lexicon.words("questions", "words.why")))
_REASON_CUES = tuple(lexicon.words("questions", "words.reason_cues"))
# A purpose clause that opens a sentence or clause and ends at a comma: “为畅通技能人才
# 职业发展通道，提高其待遇水平，…重庆日前印发…”, “为进一步规范…工作，制定本办法”
# (为期/为主/为此/为止/为例 open no purpose).
_PURPOSE_CLAUSE = re.compile(
    r"(?:^|[，。；：,;:）)\s])为(?!期|主|此|止|例|准)[\u4e00-\u9fff“”《》、]{2,30}[，,]")
_RANK_Q = re.compile("|".join(lexicon.words("questions", "words.rank")))
_AWARD_WORDS = tuple(lexicon.words("questions", "words.award_words"))
_OPINION_Q = re.compile("|".join(lexicon.words("questions", "words.opinion")))
_OPINION_CUE = re.compile(
    "(?:" + "|".join(lexicon.words("questions", "words.opinion_cues")) + ")"
    "(?!" + "|".join(lexicon.words("questions", "words.courtesies")) + ")")
_YES_NO_Q = re.compile("|".join(lexicon.words("questions", "words.yes_no")) + r"|吗[？?]?$")
# A date, not a duration: 2023年, 7月, 15日, 二〇二三年, 七月 (“五年的发展历程” is no date).
# 今天/昨日 name a day by the report's publication date (the answer then states it).
_REPORT_DAYS = "|".join(lexicon.table("numbers", "relative_days"))
_DATE_WORD = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*月|\d{1,2}\s*[日号]|[〇零一二三四五六七八九]{4}年"
    r"|[一二三四五六七八九十]{1,3}月|[一二三四五六七八九十]{1,3}[日号]|[上下]午|当天|今年|去年"
    rf"|{_REPORT_DAYS}"
)

OFFICE_TITLES = lexicon.words("questions", "words.office_titles")
_POST_Q = lexicon.words("questions", "words.post_asks")
INSTITUTION_SUFFIXES = lexicon.words("questions", "words.institution_suffixes")
_OFFICE_Q = re.compile(
    r"(?P<org>[\u4e00-\u9fff]{2,30}?(?:" + "|".join(INSTITUTION_SUFFIXES) + r"))的?"
    r"(?P<title>" + "|".join(OFFICE_TITLES) + r")(?:是谁|是哪位|叫什么|姓什么|为谁)"
)
_CLAUSE_BREAK = re.compile(r"[，,。；;：:！!？?\n]")


class Constraint(NamedTuple):
    """Something specific the answer must be about.

    ``alternatives``: at least one must occur. ``where``: ``"context"`` when the cited
    chunk or the article's title/lead may state it instead of the cited sentence
    (numbers, years, places: “2023年哈尔滨市…” is often only in the title), ``"cited"``
    when the cited sentence itself must hold it.
    """

    label: str
    alternatives: list[str]
    where: Literal["context", "cited"]
    value: float | None = None  # a number of the question, compared by value

    def met(self, text: str) -> bool:
        """Whether ``text`` (simplified) says one of the alternatives, in any of its
        forms (普高 = 普通高中; 城市 by naming 长沙市…: :func:`agent.text.terms.says`);
        a number by value too (1.2万 = 12000, 二〇二三年 = 2023年)."""
        if any(says(a, text, instances=True) for a in self.alternatives):
            return True
        if self.value is None:
            return False
        from agent.text.numbers import numbers_in

        return self.value in numbers_in(text)


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})\s*年")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def stated_years(text: str) -> set[int]:
    """Years written with 年 in ``text`` (2023年, 二〇二三年)."""
    years = {int(y) for y in _YEAR.findall(text)}
    years.update(int(y.translate(_CN_DIGITS)) for y in _CN_YEAR.findall(text))
    return years


def years_in_force(search_text: str, at: int, published: str | None) -> set[int]:
    """The years a sentence without one is about: the last year the article states before
    it ("2023年4月举行了校赛……报名项目达6400多个") and the year it was published (今年)."""
    before = [m for m in _YEAR.finditer(search_text[:at])]
    out = {int(before[-1].group(1))} if before else set()
    if published and published[:4].isdigit():
        out.add(int(published[:4]))
    return out


def question_years(question: Question) -> set[int]:
    """Years the question asks about (“2021年…增长了多少” → {2021})."""
    return stated_years(simplified(question))


_ORDINAL = re.compile(r"第\s*([0-9]{1,3}|[一二三四五六七八九十百两]{1,4})\s*(届|期|批|次|轮|季|组)")


def stated_ordinals(text: str) -> set[tuple[str, int]]:
    """``(counter, n)`` of the ordinals in ``text``: 第九届 → (届, 9), 第12届 → (届, 12)."""
    import cn2an

    out: set[tuple[str, int]] = set()
    for m in _ORDINAL.finditer(text):
        raw = m.group(1)
        try:
            value = int(raw) if raw.isdigit() else int(cn2an.cn2an(raw, "smart"))
        except ValueError:
            continue
        out.add((m.group(2), value))
    return out


@cache
def _contrast_sets() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(group) for group in lexicon.load("questions")["contrasts"]["sets"])


def contrasted(question: str, cited: str, context: str = "") -> list[str]:
    """Words of the question that the cited text replaces by another member of the same
    exclusive set (问 中职组, 引文只说 高职组): the text is about something else. A cited
    sentence that names no member of the set is read in its ``context`` (the article's
    title and lead: “69支队伍参赛” in a report on the 高职组 contest)."""
    out: list[str] = []
    for group in _contrast_sets():
        asked = [w for w in group if w in question]
        if not asked or any(says(w, cited) for w in asked):
            continue
        others = [w for w in group if w not in asked]
        if any(w in cited for w in others):
            out.extend(asked)
        elif (not any(w in cited for w in group) and any(w in context for w in others)
              and not any(says(w, context) for w in asked)):
            out.extend(asked)
    return out


def uncounted_members(question: str, cited: str) -> list[str]:
    """Members of an exclusive set that a count question adds up (“中职和高职一共有多少所”,
    “国家级和省级加起来有几个”) and the cited text does not name: “高职院校7所” counts one."""
    out: list[str] = []
    for group in _contrast_sets():
        asked = [w for w in group if w in question]
        if len(asked) >= 2:
            out.extend(w for w in asked if not says(w, cited))
    return out


_ORG_KINDS: dict[str, tuple[str, ...]] = {
    kind: tuple(ends) for kind, ends in lexicon.table("questions", "organisation_kinds").items()
}
_ORG_ENDINGS = sorted({e for ends in _ORG_KINDS.values() for e in ends}, key=len, reverse=True)
_ORG_NAME = re.compile(r"[\u4e00-\u9fff]{2,14}?(?:" + "|".join(_ORG_ENDINGS) + r")")
_NOT_A_NAME = frozenset("这那该本哪各全两几每某其此")  # “那所学校”, “各职业学院”
_ORG_LEAD = re.compile(r"^(?:在|由|是|和|与|跟|给|对|向|从|被|让|请问|那么|那)+")


def _org_kind(name: str) -> str | None:
    return next((k for k, ends in _ORG_KINDS.items() if name.endswith(ends)), None)


def named_organisations(text: str) -> list[str]:
    """Organisation names in ``text`` (“湖南理工职业技术学院”, “湖南机电职院”, “省教育厅”)."""
    out: list[str] = []
    for m in _ORG_NAME.finditer(text):
        name = _ORG_LEAD.sub("", m.group())
        if len(name) >= 4 and name[0] not in _NOT_A_NAME and name not in out \
                and _proper_name(name):
            out.append(name)
    return out


_NAME_FLAGS = ("n", "j", "b", "a", "l", "eng", "vn")
_PROPER_FLAGS = ("ns", "nt", "nz", "nr", "j")


_NAME_VERBS = frozenset(lexicon.words("questions", "words.name_verbs"))


def _proper_name(name: str) -> bool:
    """A proper name: starts with a place or a name (湖南…, 郑州大学) and has no verb or
    function word inside (“齐齐哈尔近三年为全市中职学校” is a phrase, not a name), but for
    the verbs names are made of (“王某创新工作室”)."""
    pairs = [(w, f) for w, f in _pseg().lcut(name)]
    return (bool(pairs) and pairs[0][1].startswith(_PROPER_FLAGS)
            and all(f.startswith(_NAME_FLAGS) or w in _NAME_VERBS for w, f in pairs))


def _stem(name: str) -> str:
    """The distinctive part of a name: 湖南机电职院 → 湖南机电, 郑州大学 → 郑州."""
    for ending in _ORG_ENDINGS:
        if name.endswith(ending):
            return name[: -len(ending)]
    return name


def names_organisation(name: str, text: str) -> bool:
    """Whether ``text`` names ``name``, in full, by its distinctive first characters
    (湖南机电职院 ≈ 湖南机电职业技术学院) or as an abbreviation of a longer name."""
    stem = _stem(name)
    if name in text or (len(stem) >= 2 and stem[:4] in text):
        return True
    # 湖南高铁职院 ≈ 湖南高速铁路职业技术学院: the stem's characters in order, close together
    gaps = "".join(re.escape(ch) + r"[\u4e00-\u9fff]{0,2}?" for ch in stem[:-1])
    return len(stem) >= 3 and re.search(gaps + re.escape(stem[-1]), text) is not None


def other_organisation(question: str, cited: str, context: str) -> str | None:
    """The organisation a question asks about when the cited sentences name another one of
    the same kind and not it (问 赣南师范大学的金奖, 引文是 宜春职业技术学院获金奖4项), or
    when neither the cited sentences nor their article name it."""
    asked = [n for n in named_organisations(question) if len(_stem(n)) >= 2]
    if not asked or any(names_organisation(n, cited) for n in asked):
        return None
    kinds = {_org_kind(n) for n in asked}
    if any(_org_kind(o) in kinds for o in named_organisations(cited)):
        return asked[0]
    if not any(names_organisation(n, context) for n in asked):
        return asked[0]
    return None


_COUNTED_ORGS: dict[str, re.Pattern[str]] = {
    kind: re.compile(r"[0-9０-９一二三四五六七八九十百千万两]+\s*[余多]?\s*[所家个]"
                     r"[\u4e00-\u9fff]{0,4}?(?:" + "|".join(nouns) + ")")
    for kind, nouns in lexicon.table("questions", "counted_organisations").items()
}


def totalled_organisation(question: str, cited: str) -> str | None:
    """The organisation a count question asks about when the cited sentences do not name it
    and add up many organisations of its kind instead (问 某职院报名了多少个项目, 引文是
    “来自全省122所高校的36.8万个项目报名参赛”): the total of all, not its figure."""
    asked = [n for n in named_organisations(question) if len(_stem(n)) >= 2]
    for name in asked:
        kind = _org_kind(name)
        pattern = _COUNTED_ORGS.get(kind) if kind else None
        if pattern and pattern.search(cited) and not names_organisation(name, cited):
            return name
    return None


#: A question as typed, or already normalised at the entrance (then never re-simplified).
Question = str | NormalizedText


def simplified(question: Question) -> str:
    """The question's search form (computed once per :class:`NormalizedText`)."""
    return NormalizedText.of(question).simplified


def question_script(question: Question) -> str:
    """``traditional`` or ``simplified`` (mixed/unknown count as simplified)."""
    return "traditional" if NormalizedText.of(question).script == "traditional" else "simplified"


@cache
def _pseg() -> Any:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    return pseg


def content_words(question: Question) -> list[str]:
    """Jieba words of the simplified question minus question/function words (order kept)."""

    out: list[str] = []
    for w in NormalizedText.of(question).tokens:
        if w in STOPWORDS or w in ASKED_KINDS or w in out:
            continue
        if len(w) < 2 and not w.isdigit():
            continue
        out.append(w)
    return out


def word_weight(word: str) -> float:
    return float(min(len(word), 4))


def coverage(words: Sequence[str], search_text: str) -> float:
    """Length-weighted share of ``words`` that ``search_text`` says (in any of their
    forms, :func:`agent.text.terms.says`)."""
    total = sum(word_weight(w) for w in words)
    if not total:
        return 0.0
    return sum(word_weight(w) for w in words if says(w, search_text)) / total


def question_numbers(question: Question) -> list[str]:
    """Arabic numbers (years included) written in the question."""
    return list(dict.fromkeys(_YEARISH.findall(simplified(question))))


def _is_noun(word: str, flag: str) -> bool:
    return (len(word) >= 2 and flag.startswith(("n", "vn", "j", "l"))
            and word not in STOPWORDS)


def _positions(q: str, pairs: list[tuple[str, str]]) -> list[int]:
    out: list[int] = []
    pos = 0
    for w, _f in pairs:
        start = q.find(w, pos)
        out.append(start if start >= 0 else pos)
        pos = out[-1] + len(w)
    return out


def _counted_nouns(q: str, pairs: list[tuple[str, str]], m: re.Match[str]) -> list[str]:
    """The nouns counted by one 多少/几: after it (“多少名在校生”), or, when nothing
    follows, before it across 有/是 (“高职院校有几所”)."""
    starts = _positions(q, pairs)
    after: list[str] = []
    for (w, f), start in zip(pairs, starts, strict=True):
        if start < m.end():
            continue
        if w in _PUNCT or (f.startswith(("v", "p", "u", "x", "r")) and f != "vn"):
            break
        if _is_noun(w, f):
            after.append(w)
    if after:
        return after
    rest = [w for (w, _f), start in zip(pairs, starts, strict=True) if start >= m.end()]
    if rest and rest[0] not in _PUNCT:
        return []  # “有多少人参加”: the counter itself (人) is what is counted
    before: list[str] = []
    i = max((i for i, s in enumerate(starts) if s < m.start()), default=-1)
    if i >= 0 and pairs[i][1].startswith("v") and len(pairs[i][0]) >= 2 \
            and pairs[i][0] not in _COUNT_LINK and pairs[i][0] not in STOPWORDS:
        action = pairs[i][0]
        if action[0] in _MODALS and len(action) < 3:
            return []  # “最多能领几次”: 能 + a one-character verb names nothing to find
        return [action]  # the counted action: “招生多少人”, “占地多少平方公里”
    while i >= 0 and pairs[i][0] in _COUNT_LINK:
        i -= 1
    while i >= 0 and _is_noun(*pairs[i]):
        before.insert(0, pairs[i][0])
        i -= 1
    return before


def question_constraints(question: Question) -> list[Constraint]:
    """Specific things the answer must be about (see :class:`Constraint`).

    * every number / year written in the question;
    * place names (jieba ``ns``) of two or more characters;
    * the thing counted by 多少/几 (at least one of its nouns must appear:
      “多少名在校生” needs 在校生, “高职院校有几所” needs 高职/院校), or the action
      counted (“招生多少人” needs 招生);
    * the noun asked by 什么 (“以什么为主题” needs 主题).
    """
    q = simplified(question)
    out = [Constraint(n, [n], "context", float(n)) for n in question_numbers(q)]
    pairs = [(w, f) for w, f in _pseg().lcut(q)]
    for w, f in pairs:
        if (f == "ns" and len(w) >= 2 and w not in CLASS_NOUNS
                and not any(w in c.alternatives for c in out)):
            out.append(Constraint(w, [w], "context"))
    for m in _COUNT_Q.finditer(q):
        phrase = _counted_nouns(q, pairs, m)
        if phrase:
            out.append(Constraint("".join(phrase), phrase, "cited"))
    focus = _what_focus(pairs)
    if focus and not any(focus in c.alternatives for c in out):
        out.append(Constraint(focus, [focus], "cited"))
    return out


def _what_focus(pairs: list[tuple[str, str]]) -> str | None:
    """The noun asked about by 什么: “X是什么” / “以什么为X” / “什么X” → X."""
    words = [w for w, _ in pairs]
    flags = [f for _, f in pairs]
    for i, w in enumerate(words):
        if w != "什么" or (i + 1 < len(words) and words[i + 1] in ("时候", "时间")):
            continue
        cand: list[int] = []
        if i >= 2 and words[i - 1] == "是":
            cand.append(i - 2)
        if i + 2 < len(words) and words[i + 1] == "为":
            cand.append(i + 2)
        if i + 1 < len(words):
            cand.append(i + 1)
        for j in cand:
            if (len(words[j]) >= 2 and flags[j].startswith("n") and words[j] not in STOPWORDS
                    and words[j] not in ASKED_KINDS):
                return words[j]
    return None


def asked_units(question: Question) -> list[str]:
    """Units of the quantities asked by 多少/几, normalised like :mod:`agent.text.numbers`
    (“几所” → 所, “多少名” → persons, “多少平方公里” → 平方公里); ``[]`` when the
    question does not ask a count or asks one without a unit (“多少个”); an amount
    of money (“补多少钱”, ``words.money``) → CNY; a measure (“多长时间”, “多大面积”) → its
    units."""
    q = simplified(question)
    written = _written_units(q)
    out = list(written)
    if "CNY" not in out and any(w in q for w in _MONEY_Q):
        out.append("CNY")
    if not written and (measure := _measure_named(q)):
        out.extend(u for u in _MEASURES[measure][1] if u not in out)
    return out


def _written_units(q: str) -> list[str]:
    from agent.text.numbers import unit_at

    out: list[str] = []
    for m in re.finditer(r"(?<!哪)(?:多少|几)", q):
        unit = unit_at(q, m.end())
        if unit and unit not in out:
            out.append(unit)
    return out


def asked_measure(question: Question) -> str | None:
    """The measure a question asks without writing its unit (questions.toml ``measures``):
    “多久内要申请” → duration, “有多大面积” → area; not “占地多少平方公里”."""
    q = simplified(question)
    return None if _written_units(q) else _measure_named(q)


def _measure_named(q: str) -> str | None:
    return next((name for name, (asks, _) in _MEASURES.items()
                 if any(w in q for w in asks)), None)


def quotes_have_unit(quotes: Sequence[str], units: Sequence[str]) -> bool:
    """Whether the quotes state a quantity in one of ``units`` (true when none asked)."""
    if not units:
        return True
    from agent.text.numbers import find_quantities

    return any(q.unit in units for text in quotes for q in find_quantities(text))


# A role verb that only dates what is asked (“协议签订后将援助哪些专业”, “会议召开期间”).
_TIME_CLAUSE_AFTER = re.compile(r"(?:之|以)?(?:后|前|时|期间|以来)")


def question_roles(question: Question) -> tuple[str, ...]:
    """Role verbs the question asks about (“由谁主持” → 主持), not those of a time clause
    (“协议签订后…哪些专业”)."""
    q = simplified(question)
    return tuple(v for v in ROLE_VERBS
                 if any(not _TIME_CLAUSE_AFTER.match(q, m.end())
                        for m in re.finditer(re.escape(v), q)))


def mentions_role(text: str, role: str) -> bool:
    """Whether ``text`` states ``role`` in any of its spellings (签订 ≈ 签定)."""
    form = search_form(text)
    return any(v in form for v in ROLE_VERBS.get(role, (role,)))


def quotes_mention_role(quotes: Sequence[str], roles: Sequence[str]) -> bool:
    return any(mentions_role(q, r) for q in quotes for r in roles)


def asked_office(question: Question) -> tuple[str, str] | None:
    """``(organisation, title)`` of “X的校长是谁”-style questions, else None."""
    m = _OFFICE_Q.search(simplified(question))
    if m is None:
        return None
    org = re.sub(r"^(?:请问|那么|那)", "", m.group("org"))
    return (org, m.group("title"))


def office_stated(org: str, title: str, quotes: Sequence[str]) -> bool:
    """Whether a quote ties ``title`` to ``org``.

    The clause leading up to the title (“浙江工业职业技术学院校长毛建卫”) must name the
    organisation (aliases expanded: 人社局 = 人力资源和社会保障局); a clause naming no
    institution at all falls back to the whole quote. Another institution's office
    holder (the common wrong answer of a small model) is therefore rejected.
    """
    from agent.extract.aliases import tables

    t = tables()
    want = t.expand(org)
    for quote in quotes:
        text = t.expand(search_form(quote))
        for m in re.finditer(re.escape(title), text):
            breaks = [b.end() for b in _CLAUSE_BREAK.finditer(text, 0, m.start())]
            clause = text[(breaks[-1] if breaks else 0):m.start()]
            if want in clause:
                return True
            if not any(s in clause for s in INSTITUTION_SUFFIXES) and want in text:
                return True
    return False


def asks_when(question: Question) -> bool:
    return _WHEN_Q.search(simplified(question)) is not None


def _without_dateline(text: str) -> str:
    from agent.text.dates import without_dateline

    return without_dateline(search_form(text))


def has_date(text: str) -> bool:
    """A date in ``text`` other than a news dateline, which never answers “when”."""
    return _DATE_WORD.search(_without_dateline(text)) is not None


_DAY = re.compile(
    rf"\d{{1,2}}\s*[日号]|[一二三四五六七八九十]{{1,3}}[日号]|当天|当日|{_REPORT_DAYS}"
)


def asks_day(question: Question) -> bool:
    return _DAY_Q.search(simplified(question)) is not None


def has_day(text: str) -> bool:
    """A day of the month in ``text`` (not a news dateline's)."""
    return _DAY.search(_without_dateline(text)) is not None


_WHO_ENDINGS = sorted(lexicon.words("questions", "words.who_endings"), key=len, reverse=True)
_BODY = re.compile(r"[\u4e00-\u9fff]{1,14}?(?:" + "|".join(_WHO_ENDINGS) + r")")
# Two or three characters after a title that are a name, not a clause (“理事长由大会…”).
_NAME_AFTER_TITLE = r"[^由是为在和与将的了等及\W\d][\u4e00-\u9fff]{1,2}"
_DATED_EVENTS = frozenset(lexicon.words("questions", "words.dated_events"))


def asked_event(question: Question) -> str | None:
    """The event a when-question asks the date of: the first verb after the when-word in
    its clause, when it is one of ``dated_events`` (“联盟什么时候成立” → 成立; “是什么时候
    办的”, “什么时候开课” → None)."""
    q = simplified(question)
    m = _WHEN_Q.search(q)
    if m is None:
        return None
    for w, f in _pseg().lcut(q[m.end():]):
        if w in _PUNCT:
            return None
        if f.startswith("v") and w not in ("是", "在"):
            return w if w in _DATED_EVENTS else None
    return None


def asks_reason(question: Question) -> bool:
    """“为什么/目的是什么…” (see ``words.why``)."""
    return _WHY_Q.search(simplified(question)) is not None


def gives_reason(text: str) -> bool:
    """Whether ``text`` (simplified) states a purpose or a cause (“为化解…难题”, “旨在…”,
    “是…的重要举措”): what a why-question's cited sentence must hold."""
    return any(cue in text for cue in _REASON_CUES) or _PURPOSE_CLAUSE.search(text) is not None


def asks_rank(question: Question) -> bool:
    """“拿了什么名次/得了什么奖…” (see ``words.rank``)."""
    return _RANK_Q.search(simplified(question)) is not None


def states_award(text: str) -> bool:
    """Whether ``text`` (simplified) states a rank or an award (获得三等奖, 夺得金牌)."""
    return any(word in text for word in _AWARD_WORDS)


_TITLED_KINDS = "|".join(lexicon.words("questions", "words.titled_kinds"))
_TITLE_Q = re.compile(
    rf"(?P<named>{_TITLED_KINDS})的?(?:{'|'.join(lexicon.words('questions', 'words.title_asks'))})"
    rf"|(?:{'|'.join(lexicon.words('questions', 'words.title_which'))})(?P<which>{_TITLED_KINDS})"
)
_MARKED = re.compile(r"《[^》]{2,}》|“[^”]{2,}”|\"[^\"]{2,}\"|「[^」]{2,}」|『[^』]{2,}』")
TITLE_REACH = 6
"""Characters between a name in marks and the kind it names ("项目《…》", "主题为“…”")."""


def asks_title(question: Question) -> str | None:
    """The kind whose name is asked in “那个项目叫什么/凭哪个项目/主题是什么” (see
    ``words.titled_kinds``), else None."""
    m = _TITLE_Q.search(simplified(question))
    return None if m is None else m["named"] or m["which"]


def titled_name(text: str, kind: str) -> tuple[int, int] | None:
    """The span of the first name in title marks or quotes in ``text`` (simplified) that
    names a ``kind``: the kind inside the marks or within :data:`TITLE_REACH` characters
    of them ("同学的项目《某某》在…", "主题为“某某”")."""
    for m in _MARKED.finditer(text):
        if kind in text[max(0, m.start() - TITLE_REACH) : m.end() + TITLE_REACH]:
            return m.start(), m.end()
    return None


def states_title(text: str, kind: str) -> bool:
    """Whether ``text`` (simplified) names a ``kind`` in marks (:func:`titled_name`)."""
    return titled_name(text, kind) is not None


def asks_opinion(question: Question) -> bool:
    """“如何评价/怎么看…” (see ``words.opinion``)."""
    return _OPINION_Q.search(simplified(question)) is not None


def reports_opinion(text: str) -> bool:
    """Whether ``text`` (simplified) reports what someone said or thinks (表示, 认为…),
    not a courtesy (表示感谢)."""
    return _OPINION_CUE.search(text) is not None


def asks_who(question: Question) -> bool:
    return "谁" in simplified(question)


def names_someone(answer: str, question: Question) -> bool:
    """Whether ``answer`` names a person or an organisation the question does not (“是谁
    验收的” is not answered by “实训基地被命名为…平台”): a name with an organisation's
    ending (``who_endings``), an office title (校长), or a person's name by jieba's
    tags."""
    asked = simplified(question)
    form = search_form(answer)
    bare = "".join(ch for ch in form if "\u4e00" <= ch <= "\u9fff")
    if 2 <= len(bare) <= 4 and bare == form.strip("。. "):
        return True  # a bare name (“张建国”), which jieba often splits
    if any(_ORG_LEAD.sub("", m.group()) not in asked for m in _BODY.finditer(form)):
        return True
    if any(t in form and (t not in asked or re.search(re.escape(t) + _NAME_AFTER_TITLE, form))
           for t in OFFICE_TITLES):
        return True  # a new title, or the asked one before a name (“理事长张建国”)
    return any(f.startswith("nr") and len(w) >= 2 and w not in asked
               for w, f in _pseg().lcut(form))


_NON_ANSWER = re.compile("|".join(map(re.escape, lexicon.words("questions", "words.non_answers"))))


def says_not_given(answer: str) -> bool:
    """Whether an answer says the documents do not give the answer (“资料中未给出…”)."""
    return _NON_ANSWER.search(search_form(answer)) is not None


def novel_chars(answer: str, question: Question) -> int:
    """How many distinct CJK characters of ``answer`` are not in ``question`` (a number
    the question does not contain counts 2): an answer that only restates the question
    (0) answers nothing."""
    asked = set(simplified(question))
    form = search_form(answer)
    new = {ch for ch in form if "\u4e00" <= ch <= "\u9fff" and ch not in asked}
    numbers = set(_YEARISH.findall(form)) - set(_YEARISH.findall(simplified(question)))
    return len(new) + 2 * len(numbers)


_SCHOOL_NAMES = lexicon.words("questions", "words.school_names")
_ANSWER_TYPES: dict[str, tuple[str, ...]] = {
    **{w: _SCHOOL_NAMES for w in _SCHOOL_NAMES},
    **{head: tuple(ends) for head, ends in lexicon.table("questions", "answer_types").items()},
}
_NAMED_HEADS = lexicon.words("questions", "words.named_heads")


def answer_type(question: Question) -> tuple[str, tuple[str, ...]] | None:
    """For “哪所院校/哪个学会/哪个…联合体”: the head noun asked and the name endings an
    answer must contain (哪所院校 → 学院/大学/学校…); None for other questions and for
    vague heads (单位, 地方)."""
    pairs = [(w, f) for w, f in _pseg().lcut(simplified(question))]
    for i, (w, _f) in enumerate(pairs):
        if not w.startswith("哪") or w in ("哪里", "哪儿"):
            continue
        j = i + 1
        while j < len(pairs) and pairs[j][1][:1] in ("m", "q", "u") and len(pairs[j][0]) <= 2:
            j += 1  # 两个, 所
        head = None
        while j < len(pairs) and pairs[j][1][:1] in ("n", "j") and pairs[j][0] not in _PUNCT:
            head = pairs[j][0]
            j += 1
        if head is None:
            return None
        if head in _ANSWER_TYPES:
            return head, _ANSWER_TYPES[head]
        if head.endswith(_NAMED_HEADS) or head.endswith(INSTITUTION_SUFFIXES):
            return head, (head,)
        return None
    return None


_UNIT_EQUIVALENTS: dict[str, list[str]] = lexicon.table("questions", "unit_equivalents")

UNIT_LABELS = {"persons": "人数", "person-times": "人次", "CNY": "金额", "USD": "金额"}
"""How a normalised unit is named in a refusal (“资料中没有‘在校生、人数’”)."""


class QuestionSpec:
    """Everything code checks about an answer to one question (built once per question).

    :meth:`unmet` lists what a cited text fails to show; it is used twice: to reject an
    answer whose citations do not hold what was asked, and to pick the sentences of a
    focused second attempt (:mod:`agent.qa.focus`).
    """

    def __init__(self, question: Question) -> None:
        query = NormalizedText.of(question)
        self.query = query
        self.question = query.simplified
        self.words = content_words(query)
        self.constraints = question_constraints(query)
        self.years = question_years(query)
        self.ordinals = stated_ordinals(self.question)
        self.roles = question_roles(query)
        units = [u for u in asked_units(query) if u != "个"]  # 个: any counter
        self.units = units + [e for u in units for e in _UNIT_EQUIVALENTS.get(u, ())
                              if e not in units]
        self.office = asked_office(query)
        self.when = asks_when(query)
        self.day = asks_day(query)
        self.event = asked_event(query)
        self.who = asks_who(query)
        self.reason = asks_reason(query)
        self.opinion = asks_opinion(query)
        self.rank = asks_rank(query)
        self.title = asks_title(query)
        self.answer_type = answer_type(query)
        self.yes_no = _YES_NO_Q.search(self.question) is not None
        self.measure = asked_measure(self.question)
        self.post = any(w in self.question for w in _POST_Q)
        self.count = not self.yes_no and (_COUNT_Q.search(self.question) is not None
                                          or self.measure is not None)

    @property
    def specific(self) -> bool:
        """Whether the question names something a single sentence must show."""
        return bool(self.roles or self.units or self.office or self.when
                    or any(c.where == "cited" for c in self.constraints))

    def unmet(self, cited: str, context: str, quotes: Sequence[str],
              answer: str | None = None, *, any_role: bool = False,
              in_force: set[int] | None = None) -> list[str]:
        """Labels of the question's requirements that are not met.

        ``cited``: the full sentences around the quotes; ``context``: their chunks plus
        the title and first sentences of the cited article(s); ``quotes``: the verbatim
        quotes; ``answer``: the answer text (None when checking a candidate sentence).
        ``any_role``: one of several asked roles suffices (a candidate sentence for a
        two-part question). ``in_force``: the years a cited sentence that states none is
        about (:func:`years_in_force`), when known.
        """
        cited_form = search_form(cited)
        context_form = search_form(context)
        out: list[str] = []
        # A cited sentence about another year answers another question (“2021年增长了
        #多少” from “2022年增长12%”); one that states no year takes it from its article.
        cited_years = stated_years(cited_form)
        if self.years and cited_years and not self.years & cited_years:
            out.extend(f"{y}年" for y in sorted(self.years))
        elif self.years and not cited_years and in_force and not self.years & in_force:
            # “2022年拿了几块金牌” is not answered by this year's “夺得金奖1枚”
            out.extend(f"{y}年" for y in sorted(self.years))
        # The same for editions: 第八届 is not answered by a sentence on 第九届.
        cited_ordinals = stated_ordinals(cited_form)
        for counter, n in sorted(self.ordinals):
            same_counter = {v for c, v in cited_ordinals if c == counter}
            stated = n in same_counter if same_counter else (counter, n) in stated_ordinals(
                context_form)
            if not stated:
                out.append(f"第{n}{counter}")
        out.extend(contrasted(self.question, cited_form, context_form))
        if self.count:
            out.extend(uncounted_members(self.question, cited_form))
            if totalled := totalled_organisation(self.question, cited_form):
                out.append(totalled)
        other = other_organisation(self.question, cited_form, context_form)
        if other:
            out.append(other)
        for c in self.constraints:
            hay = cited_form + ("\n" + context_form if c.where == "context" else "")
            if not c.met(hay):
                out.append(c.label)
        if self.roles:
            found = [r for r in self.roles if mentions_role(cited_form, r)]
            if not found or (not any_role and len(found) < len(self.roles)):
                out.extend(r for r in self.roles if r not in found)
        from agent.text.numbers import find_quantities

        # “最后几个进了决赛” is not answered by a sentence without a quantity; a date or an
        # edition is none (“2022年下半年组织了初赛，今年4月举行了校赛”, “第九届”).
        if self.count and answer is not None and not any(map(find_quantities, quotes)):
            out.append("数量")
        if self.units and not quotes_have_unit(quotes, self.units):
            out.append("/".join(UNIT_LABELS.get(u, u) for u in self.units))
        if self.office and not office_stated(*self.office, quotes):
            out.append(f"{self.office[0]}的{self.office[1]}")
        if self.when and not has_date(answer if answer is not None else cited_form):
            out.append("时间")
        elif self.day and not has_day(answer if answer is not None else cited_form):
            out.append("日期")
        if self.event and not says(self.event, cited_form):
            out.append(self.event)  # “什么时候成立” from a sentence that states no 成立
        # “为什么要办培训班” is not answered by “全体中层干部参加培训”.
        if self.reason and not gives_reason(cited_form):
            out.append("原因")
        if self.opinion and not reports_opinion(cited_form):
            out.append("评价")
        # “拿了什么名次” is not answered by the lead that names the contest.
        if self.rank and not states_award(
                search_form(answer) if answer is not None else cited_form):
            out.append("名次或奖项")
        # “那个项目叫什么” is not answered by “做的是创业项目”: the name is in marks.
        if self.title and not self._names_title(cited_form, answer):
            out.append(f"{self.title}的名称")
        if (answer is not None and self.post
                and not any(t in search_form(answer) for t in OFFICE_TITLES)):
            out.append("职务")  # “他是什么职务” is not answered by his name alone
        if answer is not None and self.who and not names_someone(answer, self.question):
            out.append("人或单位")
        if (answer is not None and self.answer_type
                and not any(t in search_form(answer) for t in self.answer_type[1])):
            out.append(f"{self.answer_type[0]}的名称")
        # A count of one digit is news enough (“拿了几块金牌” → “拿了1块金牌”).
        if (answer is not None and not self.yes_no and novel_chars(answer, self.question) < 2
                and not (self.count and find_quantities(search_form(answer)))):
            out.append("问题之外的信息")
        return out

    def _names_title(self, cited_form: str, answer: str | None) -> bool:
        """A cited sentence names the asked kind in marks and the answer holds that name."""
        assert self.title is not None
        span = titled_name(cited_form, self.title)
        if answer is None or span is None:
            return span is not None
        answer_form = search_form(answer)
        return (states_title(answer_form, self.title)
                or cited_form[span[0] : span[1]] in answer_form)


def counted_binding(spec: QuestionSpec, text: str) -> bool:
    """Whether ``text`` writes a counted phrase of the question right next to a quantity
    in the asked unit (“高职院校7所”, “组建9个职教集团”): the strongest sign that a
    sentence states the asked count rather than a neighbouring one (“3所高职获批…”)."""
    if not spec.units and not any(c.where == "cited" for c in spec.constraints):
        return False
    from agent.text.numbers import find_quantities

    form = search_form(text)
    labels = [c.label for c in spec.constraints if c.where == "cited" and len(c.label) >= 2]
    for q in find_quantities(form):
        if spec.units and q.unit not in spec.units:
            continue
        around = form[max(0, q.start - len(max(labels, key=len, default="")) - 2):q.end + 12]
        if any(says(label, around) for label in labels):  # 金牌 = 金奖 (terms.toml)
            return True
    return False


# Words that make a clause a question of its own (“哪天签的，由谁揭的牌”).
_ASKS = re.compile(r"谁|什么|哪|几|多少|何|怎么|怎样|如何|是否|吗|多久|多长|多大|多高|还是")
_PART_BREAK = re.compile(r"[？?]+|[，,；;、]")  # 、: see _shared_verb_before
_PRONOUN_START = re.compile(r"^(?:他们|她们|它们|他|她|它)")
# An elliptical follow-up asks the previous part's question of something else: “男生有多少
# 人？女生呢？”, “今年招了多少人？去年呢？”, “国家级有几个？国家级和省级加起来呢？”.
_FOLLOW_UP = re.compile(r"(?:又|那)?呢$")
# A period a follow-up puts in place of the first part's (“今年…？去年呢？”).
_PERIOD = re.compile(
    r"(?:上|下|前|去|今|明|本|当)一?个?(?:年度|学年|学期|半年|季度|年|月|届)|前年"
    r"|\d{4}(?:\s*[-—至]\s*\d{4})?\s*(?:年度|学年|年)")
# Between a question's subject and its question word: “…培训班[是]哪几天”, “…学院[有]多少”,
# “…大赛[一共拿了]几个”; a 的 ends a subject (“带领研讨的[是]谁”).
_FUNCTION_FLAGS = ("d", "p", "c", "m", "q", "r", "f", "t")
_LIGHT_VERBS = frozenset(
    "是 有 在 叫 为 由 拿 获 获得 得 办 开 进 比 能 要 会 可以 了 过 着 又 还 都 共".split())


def split_question(question: str) -> list[str]:
    """The parts of a question that asks several things, each a standalone question: the
    first part's subject is put before a later part that has none (“两校共建的产业学院
    叫什么？由谁揭的牌？” → “两校共建的产业学院叫什么？”, “两校共建的产业学院由谁揭的牌？”);
    asks listed after one verb share it (“拿了几块金牌、几块铜牌”); an elliptical follow-up
    asks the first part again (“…今年招了多少人？去年呢？”, see :func:`_follow_up`).
    A question with one part comes back unchanged."""
    text = question.strip()
    form = search_form(text)  # same length as ``text``
    parts: list[tuple[int, int]] = []
    start = 0
    for m in _PART_BREAK.finditer(form):
        piece = form[start:m.start()]
        if m.group() == "、" and not _shared_verb_before(piece, form[m.end():]):
            continue
        if m.group()[0] in "？?" or (_ASKS.search(piece) and _ASKS.search(form[m.end():])):
            parts.append((start, m.start()))
            start = m.end()
    parts.append((start, len(form)))
    parts = [(a, b) for a, b in parts if b - a >= 2 and (
        _ASKS.search(form[a:b]) or (a > 0 and _FOLLOW_UP.search(form[a:b])))]
    first_ask = _ASKS.search(form[parts[0][0]:parts[0][1]]) if len(parts) >= 2 else None
    if first_ask is None:
        return [question]
    first = text[parts[0][0]:parts[0][1]]
    subject = first[:_subject_length(form[parts[0][0]:parts[0][1]])]
    out = [first + "？"]
    for a, b in parts[1:]:
        part = _PRONOUN_START.sub("", text[a:b].strip())
        if form[a - 1] == "、":  # the verb before the first ask is shared
            out.append(first[:first_ask.start()] + part + "？")
            continue
        if not _ASKS.search(form[a:b]):
            part = _follow_up(first, subject, _FOLLOW_UP.sub("", part))
        if subject and not _shares_noun(search_form(part), search_form(subject)):
            part = subject + part
        out.append(part + "？")
    return out


def _follow_up(first: str, subject: str, other: str) -> str:
    """The first question asked again of ``other``, what an elliptical follow-up names:
    another period in place of the first's (“今年招了多少人” + “去年” → “去年招了多少人”);
    else ``other`` before the first's predicate, whose words ``other`` names again it names
    anew (“有几个国家级工作室” + “国家级和省级加起来” → “国家级和省级加起来有几个工作室”)."""
    period = _PERIOD.search(first)
    if period and _PERIOD.fullmatch(other):
        return first[:period.start()] + other + first[period.end():]
    named = [w for w, f in _pseg().lcut(other) if len(w) >= 2 and f[0] in "nb"]
    return other + re.sub("|".join(map(re.escape, named)) or "(?!)", "", first[len(subject):])


def _shared_verb_before(piece: str, rest: str) -> bool:
    """Whether a 、 parts two asks of the verb before them (“拿了几块金牌、几块铜牌”), not
    two asks of one verb that follows (“哪些学校、哪些企业参加了”, “有多少所院校、多少个
    项目参赛”, “是哪天、在哪里签的”) nor an ask with a verb of its own (“收了多少份问卷、
    采访了多少位专家”: answered together, as one question)."""
    ask, after = _ASKS.search(piece), _ASKS.search(rest)
    if ask is None or after is None or after.start() != 0:
        return False
    rest_clause = _PART_BREAK.split(rest[after.end():], maxsplit=1)[0]
    return (any(f.startswith("v") and w not in ("是", "有")
                for w, f in _pseg().lcut(piece[:ask.start()]))
            and not any(f.startswith("v") for _, f in _pseg().lcut(rest_clause)))


def _subject_length(clause: str) -> int:
    """Length of the words before the predicate of a question clause (“湖北水职院和博州
    职院的合作协议是哪天签的” → the length of “湖北水职院和博州职院的合作协议”); 0 when
    that is too short or too long to stand for the subject."""
    m = _ASKS.search(clause)
    if m is None:
        return 0
    pairs = [(w, f) for w, f in _pseg().lcut(clause[:m.start()])]
    while pairs and pairs[-1][0] != "的" and (
            pairs[-1][0] in _LIGHT_VERBS or pairs[-1][0] in _PUNCT
            or pairs[-1][1].startswith(("v", *_FUNCTION_FLAGS))):
        pairs.pop()
    length = sum(len(w) for w, _ in pairs)
    return length if 2 <= length <= 40 else 0


def _shares_noun(part: str, subject: str) -> bool:
    nouns = [w for w, f in _pseg().lcut(subject) if _is_noun(w, f)]
    return any(n in part for n in nouns)
