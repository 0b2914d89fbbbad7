"""An event's place, organisers and hosts as its sentence states them, read by code:
"由教育部、科技部主办，湖北省教育厅承办", "在湖南工业大学举行". Used when the model left
a field empty; every value is a slice of the sentence, in the document's own script."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent import lexicon

_BODIES = r"[^，,。；;：:！？!?（）()“”]{2,80}?"
_ORGANIZER_VERBS = lexicon.alternation("events", "organizer_verbs")
_HOST_VERBS = lexicon.alternation("events", "host_verbs")
_HELD_VERBS = lexicon.alternation("events", "held_verbs")
# 指导 in a body's name is not the verb: "由教育部高等学校材料类专业教学指导委员会主办".
ORGANIZERS = re.compile(rf"由(?P<bodies>{_BODIES})(?:{_ORGANIZER_VERBS})(?!委员会|中心|小组|站)")
HOSTS = re.compile(rf"(?:^|[，,；;。、]|由)(?P<bodies>{_BODIES})(?:{_HOST_VERBS})")
_HELD_ADVERBS = lexicon.alternation("events", "held_adverbs")
PLACE = re.compile(
    rf"(?:在|于)(?P<place>[^，,。；;：:！？!?“”在于]{{2,30}}?)(?:{_HELD_ADVERBS})?(?:{_HELD_VERBS})"
)
_SEPARATOR = re.compile(r"[、，,]|(?<=[局厅部委院校会府司联])和")
_TRAILING_COUNT = re.compile(r"等[0-9一二三四五六七八九十两多几]*(?:个|家)?(?:部门|部委|单位|家)?$")
_TIME_ONLY = re.compile(r"^[0-9一二三四五六七八九十月日号年上下午晚]+$")


@dataclass
class EventFields:
    location: str | None = None
    organizers: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


def listed_bodies(text: str) -> list[str]:
    """The bodies named in a list (``A、B等16部门`` → A, B; 和 separates only after a body's
    ending: 人力资源和社会保障厅 is one name, 省残联和市委 two). A part with 的 describes
    someone, it names no body ("由中国中车集团的首席技能专家亲自指导", a CCTV report)."""
    listed = _TRAILING_COUNT.sub("", text)
    out = []
    for part in _SEPARATOR.split(listed):
        part = part.strip()
        if len(part) >= 2 and "的" not in part and part not in out:
            out.append(part)
    return out


def event_fields(text: str, form: str | None = None) -> EventFields:
    """Place, organisers and hosts stated in ``text``; ``form`` is its same-length
    simplified search form (matched), ``text`` what the values are cut from."""
    form = text if form is None else form
    out = EventFields()
    m = PLACE.search(form)
    if m and not _TIME_ONLY.match(m["place"]):
        out.location = text[m.start("place") : m.end("place")]
    hosts_from = 0
    if m := ORGANIZERS.search(form):
        out.organizers = listed_bodies(text[m.start("bodies") : m.end("bodies")])
        hosts_from = m.end()
    if m := HOSTS.search(form, hosts_from):
        out.hosts = listed_bodies(text[m.start("bodies") : m.end("bodies")])
    return out


_ANAPHOR = (
    rf"(?:(?:{lexicon.alternation('events', 'anaphors')})[^，,。；;由]{{0,6}}"
    rf"|(?:{lexicon.alternation('events', 'anaphoric_nouns')}))"
)
BACK_REFERENCE = re.compile(rf"^{_ANAPHOR}(?:还|均|将|是)?由")
AT_EVENT = re.compile(
    rf"^[^，,。；;]{{0,10}}?(?:{lexicon.alternation('events', 'at_event')})"
    rf"|^(?:(?:{lexicon.alternation('events', 'connectives')})[，,]?)?"
    rf"(?:{lexicon.alternation('events', 'anaphoric_nouns')})(?:上|期间|现场)?(?:还|同时|并|也)?"
    rf"(?:举行|举办|进行|开展|见证)"
    rf"|^[^，,。；;]{{0,16}}?(?:应邀|受邀)?(?:{lexicon.alternation('events', 'attend_verbs')})了?"
    rf"(?:{lexicon.alternation('events', 'anaphors')})"
    rf"(?:{lexicon.alternation('events', 'anaphoric_nouns')})"
)


def referring_fields(sentence: str, form: str | None = None) -> EventFields:
    """Organisers and hosts of a sentence that refers back to the event reported before
    it ("本次比赛由教育部等23个部委主办，湖北省教育厅承办。"); empty for any other
    sentence."""
    form = sentence if form is None else form
    lead = len(form) - len(form.lstrip())
    if not BACK_REFERENCE.match(form[lead:]):
        return EventFields()
    found = event_fields(sentence, form)
    return EventFields(organizers=found.organizers, hosts=found.hosts)


_SELF_CLAUSE = re.compile(
    rf"(?:^|[，,；;])(?P<word>{lexicon.alternation('events', 'self_references')})"
)
_SELF_HELD = re.compile(lexicon.alternation("events", "self_held_verbs"))
_GUEST = re.compile(lexicon.alternation("events", "guest_verbs"))
_SCHOOL_NAME = re.compile(
    r"(?:^|(?<=[\s，,。；;：:）)”在于的和与及]))(?:(?![在于的和与及])[\u4e00-\u9fff]){2,20}?"
    r"(?:学院|学校|大学)"
)


def self_organiser_span(sentence_form: str, document_form: str) -> tuple[int, int] | None:
    """Where the document names the school that holds the event of ``sentence_form``, when
    a clause of it has the school's short self-reference as subject and a holding verb
    follows ("学院…精心组织，…举行了…校赛"): the first full school name the word can mean
    (offsets of ``document_form``, the same-length search form of the document)."""
    m = _SELF_CLAUSE.search(sentence_form)
    if m is None or _GUEST.search(sentence_form) or not _SELF_HELD.search(sentence_form, m.end()):
        return None
    endings = ("学院",) if m["word"].endswith("院") else ("学院", "学校", "大学")
    for name in _SCHOOL_NAME.finditer(document_form):
        if name.group().endswith(endings):
            return name.start(), name.end()
    return None


_CREDIT_END = r"(?=主办单位|承办单位|协办单位|支持单位|指导单位|[★☆【\[\n。；;！!？?]|$)"
CREDITS = re.compile(
    rf"主办单位[：:\s]*(?P<organizers>[^★☆【\[\n。；;]{{2,80}}?){_CREDIT_END}"
    rf"(?:承办单位[：:\s]*(?P<hosts>[^★☆【\[\n。；;]{{2,80}}?){_CREDIT_END})?"
)
"""A poster's credit line: "主办单位：A 承办单位：B、C" (often glued: "主办单位A承办单位BC")."""
_BODY_ENDING = re.compile(r"(?:电视台|委员会|促进会|研究会|基金会|协会|学会|中心|公司|集团"
                          r"|大学|学院|学校|政府|厅|局|司|部|委|台|社|所)$")


def glued_bodies(text: str) -> list[str]:
    """Bodies written one after another without a mark ("中国教育电视台中国滋根乡村教育与发展
    促进会"): split where a word ends a body's name and the next is a place name, which
    starts a new one; a body whose name goes on after an ending ("教育部职业教育与成人教育
    司": 部 is followed by 职业, no place) stays whole."""
    import jieba.posseg

    bodies: list[str] = []
    for part in listed_bodies(text.strip()):
        words = list(jieba.posseg.cut(part))
        start = 0
        pos = 0
        for i, pair in enumerate(words):
            pos += len(pair.word)
            following = words[i + 1] if i + 1 < len(words) else None
            if (following is not None and following.flag.startswith("ns")
                    and _BODY_ENDING.search(part[start:pos]) and pos - start >= 4):
                bodies.append(part[start:pos])
                start = pos
        if len(part) - start >= 2:
            bodies.append(part[start:])
    return bodies


def credit_line(text: str, form: str | None = None) -> EventFields:
    """Organisers and hosts of a credit line in ``text`` (empty when there is none)."""
    form = text if form is None else form
    m = CREDITS.search(form)
    if m is None:
        return EventFields()
    hosts = glued_bodies(text[m.start("hosts") : m.end("hosts")]) if m["hosts"] else []
    return EventFields(organizers=glued_bodies(text[m.start("organizers") : m.end("organizers")]),
                       hosts=hosts)
