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

# Question words and function words: never evidence of relevance.
STOPWORDS = frozenset(lexicon.load("questions")["stopwords"].split())
_YEARISH = re.compile(r"\d+(?:\.\d+)?")
_COUNTER = lexicon.load("questions")["counters"]
_COUNT_Q = re.compile(rf"(?<!哪)(?:多少|几)[{_COUNTER}]?")
_PUNCT = set("，,。．.？?！!；;：:、（）()“”\"'‘’《》【】[] \n")
# Verbs between a counted noun and its question word: “高职院校有几所”.
_COUNT_LINK = frozenset(lexicon.words("questions", "count_links"))

# Who did what: “由谁主持” must be answered from a sentence that says 主持, not 主办.
# Each asked verb → the spellings that state it (签订 is often written 签定 or 签署).
ROLE_VERBS: dict[str, tuple[str, ...]] = {
    verb: tuple(spellings) for verb, spellings in lexicon.table("questions", "role_verbs").items()
}
_WHEN_Q = re.compile("|".join(lexicon.words("questions", "words.when")))
_YES_NO_Q = re.compile("|".join(lexicon.words("questions", "words.yes_no")) + r"|吗[？?]?$")
_DATE_WORD = re.compile(
    r"\d{1,4}\s*[年月日号]|[一二三四五六七八九十〇零]{1,4}[年月日号]|[上下]午|当天|今年|去年"
)

OFFICE_TITLES = lexicon.words("questions", "words.office_titles")
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
        if w in STOPWORDS or w in out:
            continue
        if len(w) < 2 and not w.isdigit():
            continue
        out.append(w)
    return out


def word_weight(word: str) -> float:
    return float(min(len(word), 4))


def coverage(words: Sequence[str], search_text: str) -> float:
    """Length-weighted share of ``words`` occurring in ``search_text``."""
    total = sum(word_weight(w) for w in words)
    if not total:
        return 0.0
    return sum(word_weight(w) for w in words if w in search_text) / total


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
        return [pairs[i][0]]  # the counted action: “招生多少人”, “占地多少平方公里”
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
    out = [Constraint(n, [n], "context") for n in question_numbers(q)]
    pairs = [(w, f) for w, f in _pseg().lcut(q)]
    for w, f in pairs:
        if f == "ns" and len(w) >= 2 and not any(w in c.alternatives for c in out):
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
        if w != "什么":
            continue
        cand: list[int] = []
        if i >= 2 and words[i - 1] == "是":
            cand.append(i - 2)
        if i + 2 < len(words) and words[i + 1] == "为":
            cand.append(i + 2)
        if i + 1 < len(words):
            cand.append(i + 1)
        for j in cand:
            if len(words[j]) >= 2 and flags[j].startswith("n") and words[j] not in STOPWORDS:
                return words[j]
    return None


def asked_units(question: Question) -> list[str]:
    """Units of the quantities asked by 多少/几, normalised like :mod:`agent.text.numbers`
    (“几所” → 所, “多少名” → persons, “多少平方公里” → 平方公里); ``[]`` when the
    question does not ask a count or asks one without a unit (“多少资金”)."""
    from agent.text.numbers import unit_at

    q = simplified(question)
    out: list[str] = []
    for m in re.finditer(r"(?<!哪)(?:多少|几)", q):
        unit = unit_at(q, m.end())
        if unit and unit not in out:
            out.append(unit)
    return out


def quotes_have_unit(quotes: Sequence[str], units: Sequence[str]) -> bool:
    """Whether the quotes state a quantity in one of ``units`` (true when none asked)."""
    if not units:
        return True
    from agent.text.numbers import find_quantities

    return any(q.unit in units for text in quotes for q in find_quantities(text))


def question_roles(question: Question) -> tuple[str, ...]:
    """Role verbs the question asks about (“由谁主持” → 主持)."""
    q = simplified(question)
    return tuple(v for v in ROLE_VERBS if v in q)


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
    organisation (aliases expanded: 哈职院 = 哈尔滨职业技术学院); a clause naming no
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


def has_date(text: str) -> bool:
    return _DATE_WORD.search(search_form(text)) is not None


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
        self.roles = question_roles(query)
        self.units = [u for u in asked_units(query) if u != "个"]  # 个: any counter
        self.office = asked_office(query)
        self.when = asks_when(query)
        self.answer_type = answer_type(query)
        self.yes_no = _YES_NO_Q.search(self.question) is not None

    @property
    def specific(self) -> bool:
        """Whether the question names something a single sentence must show."""
        return bool(self.roles or self.units or self.office or self.when
                    or any(c.where == "cited" for c in self.constraints))

    def unmet(self, cited: str, context: str, quotes: Sequence[str],
              answer: str | None = None, *, any_role: bool = False) -> list[str]:
        """Labels of the question's requirements that are not met.

        ``cited``: the full sentences around the quotes; ``context``: their chunks plus
        the title and first sentences of the cited article(s); ``quotes``: the verbatim
        quotes; ``answer``: the answer text (None when checking a candidate sentence).
        ``any_role``: one of several asked roles suffices (a candidate sentence for a
        two-part question).
        """
        cited_form = search_form(cited)
        context_form = search_form(context)
        out: list[str] = []
        for c in self.constraints:
            hay = cited_form + ("\n" + context_form if c.where == "context" else "")
            if not any(a in hay for a in c.alternatives):
                out.append(c.label)
        if self.roles:
            found = [r for r in self.roles if mentions_role(cited_form, r)]
            if not found or (not any_role and len(found) < len(self.roles)):
                out.extend(r for r in self.roles if r not in found)
        if self.units and not quotes_have_unit(quotes, self.units):
            out.append("/".join(UNIT_LABELS.get(u, u) for u in self.units))
        if self.office and not office_stated(*self.office, quotes):
            out.append(f"{self.office[0]}的{self.office[1]}")
        if self.when and not has_date(answer if answer is not None else cited_form):
            out.append("时间")
        if (answer is not None and self.answer_type
                and not any(t in search_form(answer) for t in self.answer_type[1])):
            out.append(f"{self.answer_type[0]}的名称")
        if answer is not None and not self.yes_no and novel_chars(answer, self.question) < 2:
            out.append("问题之外的信息")
        return out


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
        if any(label in around for label in labels):
            return True
    return False
