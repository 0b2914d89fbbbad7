"""Windowed extraction of events, alliances and targets with code-verified evidence.

The default model is small (1.5B): on a whole article it lumps or drops items, and asked
for three kinds at once it invents names. So the pipeline does most of the work:

1. code picks candidate sentences per kind (alliance words, event words, quantities
   parsed by ``agent.text.numbers``) and packs them into small windows — sentences with
   nothing to extract are never sent, which keeps LLM input below the corpus size;
2. alliances and events: one small instructor call per window and kind. A validator
   locates every name / evidence quote in the document (``agent.extract.evidence``) and re-asks
   once with the failures; whatever still does not verify is dropped and counted, and so is
   an "alliance" that is no alliance at all, without a re-ask;
3. targets: quantities, units, qualifiers and deadlines are parsed by code from the
   sentences themselves, so a value can only be what the evidence says;
4. evidence is the source sentence (original offsets), dates are parsed by code, and
   duplicates are merged within the document (and across documents by the caller).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema

from agent import lexicon
from agent.core import interrupt
from agent.core.errors import ModelOutputError
from agent.extract.event_fields import EventFields
from agent.extract.evidence import locate_quote, range_evidence
from agent.extract.schemas import (
    Alliance,
    AllianceMention,
    AllianceMentions,
    DocumentExtraction,
    Event,
    EventMention,
    EventMentions,
    Evidence,
    Target,
)
from agent.ingest.chunking import split_sentences
from agent.ingest.documents import Document
from agent.llm.base import ChatModel

if TYPE_CHECKING:
    from agent.text.numbers import Quantity

# Word lists live in agent/lexicon/extraction.toml; patterns are built from them in file order.


def _alt(key: str) -> str:
    """The words of ``extraction.toml`` ``key`` as a regex alternation, in file order."""
    return "|".join(lexicon.words("extraction", key))


ALLIANCE_WORDS = lexicon.words("extraction", "alliances.words")
EVENT_WORDS = lexicon.words("extraction", "events.words")
KIND_BY_SUFFIX: tuple[tuple[str, str], ...] = tuple(
    lexicon.table("extraction", "alliances.kind_by_suffix").items()
)
SHARED_SUFFIX = re.compile(
    rf"({_alt('alliances.shared_suffix_prefixes')})?({_alt('alliances.shared_suffixes')})$"
)
GOAL_CUES = lexicon.words("extraction", "targets.goal_cues")
CLAUSE_BREAKS = "，,；;。！？!?\n"
# Quantities that describe time spans or calendar positions are not indicators.
NON_TARGET_UNITS = frozenset(lexicon.words("extraction", "targets.non_target_units"))


@dataclass(frozen=True)
class Window:
    start: int  # cleaned-text range covering the window's sentences
    end: int
    sentences: tuple[tuple[int, int], ...]
    text: str
    tokens: int


def pick_sentences(doc: Document, keep: Callable[[str, str], bool]) -> list[tuple[int, int]]:
    return [
        (s, e) for s, e in split_sentences(doc.text) if keep(doc.text[s:e], doc.search_text[s:e])
    ]


def pack_windows(
    doc: Document, spans: list[tuple[int, int]], max_tokens: int, count: Callable[[str], int]
) -> list[Window]:
    windows: list[Window] = []
    current: list[tuple[int, int]] = []
    size = 0

    def flush() -> None:
        if current:
            text = "\n".join(doc.text[s:e] for s, e in current)
            windows.append(Window(current[0][0], current[-1][1], tuple(current), text, count(text)))

    for s, e in spans:
        n = count(doc.text[s:e])
        if current and size + n > max_tokens:
            flush()
            current, size = [], 0
        current.append((s, e))
        size += n
    flush()
    return windows


def _has(words: tuple[str, ...]) -> Callable[[str, str], bool]:
    return lambda _text, simple: any(w in simple for w in words)


# --------------------------------------------------------------------------- verification


def _sentence_evidence(doc: Document, window: Window, clean_start: int, clean_end: int) -> Evidence:
    """The window sentence holding a verified cleaned span, as original-offset evidence."""
    for s, e in window.sentences:
        if s <= clean_start and clean_end <= e:
            clean_start, clean_end = s, e
            break
    return range_evidence(doc, clean_start, clean_end)


def locate_name(doc: Document, window: Window, name: str) -> Evidence | None:
    """Find an alliance name verbatim in the window; a name split out of a coordinated
    list (“对俄经贸、冰雪体育产教融合共同体”) verifies when its head and the shared suffix
    both occur in one sentence."""
    within = (window.start, window.end)
    found = locate_quote(doc, name, within=within)
    if found is not None:
        clean_start = doc.cleaned_index(found.start)
        return _sentence_evidence(doc, window, clean_start, clean_start + 1)
    from agent.ingest.cleaning import search_form

    simple = search_form(name)
    m = SHARED_SUFFIX.search(simple)
    if not m or m.start() < 2:
        return None
    head, suffix = name[: m.start()], name[m.start() :]
    head_ev = locate_quote(doc, head, within=within)
    if head_ev is None:
        return None
    head_clean = doc.cleaned_index(head_ev.start)
    for s, e in window.sentences:
        if s <= head_clean < e and search_form(suffix) in doc.search_text[head_clean:e]:
            return _sentence_evidence(doc, window, s, e)
    return None


@dataclass
class MentionVerifier:
    """Checks mentions against the document; shared across instructor re-asks."""

    doc: Document
    window: Window
    reasks_left: int = 1
    dropped: int = 0
    failures: list[str] = field(default_factory=list)

    @staticmethod
    def wrong_kind(item: AllianceMention | EventMention) -> bool:
        """A person or a body given as an alliance ("某职业学院院长王某", "某市人社局"): nothing
        the model could copy better, so it is dropped without the cost of a re-ask (on a
        1.5B model a re-ask is a second full call)."""
        return isinstance(item, AllianceMention) and alliance_kind(item.name) == "其他"

    def error(self, item: AllianceMention | EventMention) -> str | None:
        """What the model can fix by copying from the text, said back to it on a re-ask."""
        if isinstance(item, AllianceMention):
            if locate_name(self.doc, self.window, item.name) is None:
                return f"名称“{item.name}”在原文中找不到（必须逐字复制全称）/ name not verbatim"
            return None
        name = item.name.strip()
        if len(name) < 4 or "…" in name or "..." in name:
            return f"活动名称“{name}”不完整 / incomplete event name"
        if (
            locate_quote(self.doc, item.evidence, within=(self.window.start, self.window.end))
            is None
        ):
            return f"evidence“{item.evidence[:60]}”不是原文逐字复制 / evidence not verbatim"
        return None

    def filter(self, items: list[Any]) -> list[Any]:
        kept = [item for item in items if not self.wrong_kind(item)]
        wrong, items = len(items) - len(kept), kept
        problems = [(i, err) for i, item in enumerate(items) if (err := self.error(item))]
        if problems and self.reasks_left > 0:
            self.reasks_left -= 1
            self.failures.extend(err for _, err in problems)
            raise ValueError(
                "以下条目无法在原文中核实，请逐字复制原文后重新输出 / fix these items:\n"
                + "\n".join(f"[{i}] {err}" for i, err in problems[:12])
            )
        bad = {i for i, _ in problems}
        self.dropped = len(bad) + wrong  # dropped by the latest validation pass
        return [item for i, item in enumerate(items) if i not in bad]


def _verifier(info: ValidationInfo) -> MentionVerifier | None:
    verifier = (info.context or {}).get("verifier")
    return verifier if isinstance(verifier, MentionVerifier) else None


def _apply_verifier(model: Any, field_name: str, info: ValidationInfo) -> None:
    verifier = _verifier(info)
    if verifier is not None:
        setattr(model, field_name, verifier.filter(getattr(model, field_name)))
        model.dropped += verifier.dropped


def _require_key(data: Any, key: str) -> Any:
    """JSON holding other keys and not the list (``{"result": []}``), or no object at all,
    is a wrong answer, not "nothing found": the re-ask says so and a window that never gets
    it right counts as failed. ``{}`` is "nothing found": the schema sent leaves the list
    optional (and is unchanged, so cached answers stay valid)."""
    if not isinstance(data, dict) or (data and key not in data):
        got = sorted(data)[:4] if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"answer with a JSON object holding the list `{key}` (got {got})")
    return data


class VerifiedAlliances(AllianceMentions):
    """Validated (and cached) result only ever holds verified mentions."""

    # Not shown to the model; cached so a warm run reports the same count.
    dropped: SkipJsonSchema[int] = 0

    @model_validator(mode="before")
    @classmethod
    def _has_list(cls, data: Any) -> Any:
        return _require_key(data, "alliances")

    @model_validator(mode="after")
    def _verify(self, info: ValidationInfo) -> VerifiedAlliances:
        _apply_verifier(self, "alliances", info)
        return self


class VerifiedEvents(EventMentions):
    dropped: SkipJsonSchema[int] = 0

    @model_validator(mode="before")
    @classmethod
    def _has_list(cls, data: Any) -> Any:
        return _require_key(data, "events")

    @model_validator(mode="after")
    def _verify(self, info: ValidationInfo) -> VerifiedEvents:
        _apply_verifier(self, "events", info)
        return self


# --------------------------------------------------------------------------- finalising


def alliance_kind(name: str) -> str:
    from agent.ingest.cleaning import search_form

    simple = search_form(name.strip())
    for suffix, kind in KIND_BY_SUFFIX:
        if simple.endswith(suffix):
            return kind
    return "其他"


def _names(values: list[str]) -> list[str]:
    from agent.extract.aliases import full_name

    out: list[str] = []
    for v in values:
        v = full_name(v.strip())
        if v and v not in out:
            out.append(v)
    return out


LEAD_RE = re.compile(
    rf"(?:{_alt('organisations.lead_prefixes')})?([^，,。；;“”\s]{{2,60}}?)"
    rf"(?:{_alt('organisations.lead_verbs')})"
)
# Everything up to the last lead prefix or guidance word is cut from a lead.
_LEAD_CUT = rf"^.*({_alt('organisations.lead_prefixes')}|{_alt('organisations.guidance_words')})"
ORG_NOISE = lexicon.words("extraction", "organisations.noise")
ORG_SUFFIXES = lexicon.words("extraction", "organisations.suffixes")
# Leading words before a name that belong to the sentence, not the name.
NAME_VERBS = re.compile(_alt("alliances.name_lead_verbs"))
GENERIC_HEAD = re.compile(r"^[0-9一二三四五六七八九十两几多各该本首批个個]*$")


def _is_org(doc: Document, name: str) -> bool:
    from agent.ingest.cleaning import search_form

    simple = search_form(name)
    return (
        2 <= len(name) <= 30
        and "、" not in simple  # a list of bodies ("人社部门、高校、企业") is not one lead
        and simple.endswith(ORG_SUFFIXES)
        and not any(w in simple for w in ORG_NOISE)
        and _verbatim(doc, name)
    )


def clean_alliance_name(name: str) -> str:
    """Drop a leading clause the model copied along (“……签署了X联盟框架协议” → X…), up to
    the first of those verbs that is a word of its own (not the 为 of 华为开发者联盟)."""
    from agent.ingest.cleaning import search_form
    from agent.text.nouns import is_verb_word

    name = _strip_unpaired_marks(name.strip())
    simple = search_form(name)
    m = next((m for m in NAME_VERBS.finditer(simple)
              if is_verb_word(simple, m.start(), m.end())), None)
    if m and len(simple) - m.end() >= 4:
        name = name[m.end() :]
    return _strip_unpaired_marks(name.strip())


_PAIRS = {"“": "”", "《": "》", '"': '"', "'": "'"}


def _strip_unpaired_marks(name: str) -> str:
    """Quotation marks at either end that close nothing: “X联盟” → X联盟, but
    “青少年技能实践基地”联盟 keeps its quoted part."""
    while name and name[0] in _PAIRS and _PAIRS[name[0]] not in name[1:]:
        name = name[1:]
    while name and name[-1] in _PAIRS.values() and not any(
        o in name[:-1] for o, c in _PAIRS.items() if c == name[-1]
    ):
        name = name[:-1]
    if len(name) >= 2 and name[0] in _PAIRS and name.endswith(_PAIRS[name[0]]) \
            and name.count(name[0]) == 1:
        name = name[1:-1]  # the whole name quoted
    return name.strip()


_AGREEMENT_END = rf"({_alt('alliances.agreement_suffixes')})$"


def is_alliance_name(name: str) -> bool:
    from agent.ingest.cleaning import search_form

    simple = search_form(name)
    m = SHARED_SUFFIX.search(simple) or re.search(_AGREEMENT_END, simple)
    if not m:
        return False
    head = simple[: m.start()]
    # Descriptions (“集…于一体的合作联盟”), enumerations (“行业性等多类型联盟”) and counts
    # (“9个职教集团”) are not names.
    if "的" in head or "等" in head or re.search(r"[0-9一二三四五六七八九十两]+[个個家所支]", head):
        return False
    return len(head) >= 2 and not GENERIC_HEAD.match(head) and len(simple) <= 30


def _verbatim(doc: Document, text: str) -> bool:
    """Whether ``text`` occurs in the document: normalised match for 4+ characters (the
    evidence matcher's minimum), plain containment for 2–3."""
    if len(text) >= 4:
        return locate_quote(doc, text) is not None
    return len(text) >= 2 and text in doc.text


def _coordinated_position(sentence: str, name: str) -> tuple[int, int] | None:
    """Position of ``name``'s head in a 、-list sharing one suffix, and the list length."""
    from agent.ingest.cleaning import search_form

    simple_sentence, simple_name = search_form(sentence), search_form(name)
    m = SHARED_SUFFIX.search(simple_name)
    if not m:
        return None
    head, suffix = simple_name[: m.start()], simple_name[m.start() :]
    for cand in re.finditer(r"([^，,。；;]+?)" + re.escape(suffix), simple_sentence):
        listed = ESTABLISH_VERB.split(cand.group(1))[-1]
        parts = [p.strip() for p in re.split(r"[、和与及]", listed)]
        for i, part in enumerate(parts):
            if part.endswith(head) and head:
                return i, len(parts)
    return None


def code_lead(doc: Document, window: Window, name: str, evidence: Evidence) -> str | None:
    """The organisation written before 牵头 in the alliance's sentence, the one before it,
    or any sentence of the document naming the alliance (“分别由A、B、C牵头……成立甲、乙、
    丙共同体” pairs by position)."""
    from agent.extract.aliases import full_name
    from agent.ingest.cleaning import search_form

    clean_start = doc.cleaned_index(evidence.start)
    own = [sp for sp in window.sentences if sp[0] <= clean_start < sp[1]]
    if not own:
        return None
    idx = window.sentences.index(own[0])
    candidates = list(window.sentences[max(0, idx - 1) : idx + 1][::-1])
    key = search_form(name)
    candidates += [
        (s, e)
        for s, e in split_sentences(doc.text)
        if key in doc.search_text[s:e] and (s, e) not in candidates
    ]
    for s, e in candidates:
        m = LEAD_RE.search(doc.text[s:e])
        if not m:
            continue
        leads = [x.strip() for x in re.split(r"[、和]", m.group(1)) if x.strip()]
        pos = _coordinated_position(doc.text[own[0][0] : own[0][1]], name)
        if pos and len(leads) == pos[1]:
            lead = leads[pos[0]]
        elif len(leads) == 1:
            lead = leads[0]
        else:
            continue
        lead = re.sub(_LEAD_CUT, "", lead)
        if len(lead) >= 2:
            return full_name(lead)
    subject = subject_lead(doc, *own[0])
    return full_name(subject) if subject else None


# 牵头 opening a clause of its own: “…，牵头成立了…”, “…，还牵头组建…”.
_BARE_LEAD = re.compile(
    rf"[，,](?:还|也|并|又|先后|率先|共同)?(?:{_alt('organisations.lead_verbs')})"
)
_SUBJECT = re.compile(
    rf"^(?P<org>[^，,。；;“”\s]{{2,30}}?)(?:{_alt('organisations.subject_ends')})"
)


def subject_lead(doc: Document, s: int, e: int) -> str | None:
    """The lead of a 牵头 clause without a subject: the organisation the sentence is about
    ("湖汽职院作为首批国家级团队，首创了…，牵头成立了…共同体" → 湖汽职院)."""
    text = doc.text[s:e]
    m = _BARE_LEAD.search(text)
    if m is None:
        return None
    for clause in re.split(r"[，,]", text[: m.start()]):
        found = _SUBJECT.match(clause.strip())
        if found and _is_org(doc, found["org"]):
            return found["org"]
    return None


# The suffix must end the name: “产业联盟学院”, “联盟成员”, “联盟章程” continue it.
ALLIANCE_SUFFIX = (
    rf"(?:{_alt('alliances.name_suffixes')})"
    rf"(?!{_alt('alliances.suffix_continuations')})"
)
# Establishing verbs that may take 了 (成立了?|组建了?|…).
_ESTABLISH_LE = "|".join(
    f"{verb}了?" for verb in lexicon.words("extraction", "alliances.establish_verbs_le")
)
# A name character, or a short bracketed part of the name ("…（含新能源汽车）…共同体").
_NAME_CHAR = r"(?:[^，,。；;：:（）()]|（[^（）]{1,12}）|\([^()]{1,12}\))"
ESTABLISH = re.compile(
    rf"(?:{_ESTABLISH_LE}|(?:{_alt('alliances.establish_verbs')})了?)"
    rf"(?P<name>(?:“[^”]{{1,30}}”{_NAME_CHAR}{{0,39}}?|[^，,。；;：:（）()“]{_NAME_CHAR}{{1,39}}?)"
    + ALLIANCE_SUFFIX + ")"
)
FOLLOWING = re.compile(
    r"^[、和及与](?P<name>[^，,。；;：:（）()、和及与]{2,40}?" + ALLIANCE_SUFFIX + ")"
)
BACKING = re.compile(
    rf"在(?P<name>(?:“[^”]{{1,30}}”{_NAME_CHAR}{{0,39}}?|[^，,。；;：:（）()“在]{_NAME_CHAR}{{1,39}}?)"
    + ALLIANCE_SUFFIX + rf")的(?:{_alt('alliances.backing_roles')})下"
)
ESTABLISH_VERB = re.compile(rf"({_ESTABLISH_LE}|{_alt('alliances.list_verbs')})")
CO_BUILT = re.compile(
    rf"(?:{_alt('alliances.co_building_verbs')})了?"
    rf"“(?P<name>[^“”，,。；;]{{2,30}}?(?:{_alt('alliances.co_built_endings')}))”"
)


def co_built_names(doc: Document, window: Window) -> list[str]:
    """Quoted names of colleges that parties build together ("两校签订协议共建“水利和新能源
    学院”"): bodies of cooperation, which :func:`is_alliance_name` does not know by their
    ending (any school ends in 学院)."""
    return [doc.text[s + m.start("name") : s + m.end("name")]
            for s, e in window.sentences for m in CO_BUILT.finditer(doc.search_text[s:e])]


def split_coordinated(name: str) -> list[str]:
    """“对俄经贸、冰雪体育、现代农业产教融合共同体” → three names sharing the suffix."""
    from agent.ingest.cleaning import search_form

    parts = [p for p in re.split(r"[、]", name) if p]
    if len(parts) < 2:
        return [name]
    m = SHARED_SUFFIX.search(search_form(parts[-1]))
    if not m:
        return [name]
    suffix = parts[-1][m.start() :]
    if any(SHARED_SUFFIX.search(search_form(p)) for p in parts[:-1]) or any(
        len(p) > 12 for p in parts[:-1]
    ):
        return parts if all(SHARED_SUFFIX.search(search_form(p)) for p in parts) else [name]
    return [p + suffix for p in parts[:-1]] + [parts[-1]]


def code_alliance_mentions(doc: Document, window: Window) -> list[AllianceMention]:
    """Names introduced by an establishing verb (成立/组建/签署…) or named as the body
    backing what is reported (在X的支持下), found by pattern: a safety net for lists the
    small model lumps together or skips."""
    out: list[AllianceMention] = []
    for s, e in window.sentences:
        simple = doc.search_text[s:e]
        for m in [*ESTABLISH.finditer(simple), *BACKING.finditer(simple)]:
            spans = [(m.start("name"), m.end("name"))]
            rest = m.end("name")
            while f := FOLLOWING.match(simple[rest:]):
                spans.append((rest + f.start("name"), rest + f.end("name")))
                rest += f.end("name")
            for a, b in spans:
                if not is_alliance_name(doc.text[s + a : s + b].split("、")[-1]):
                    continue
                for name in split_coordinated(doc.text[s + a : s + b]):
                    out.append(AllianceMention(name=name))
    return out


def _alliance_context(doc: Document, window: Window, name: str, evidence: Evidence) -> str:
    from agent.ingest.cleaning import search_form

    key = search_form(name)
    clean_start = doc.cleaned_index(evidence.start)
    parts = [
        doc.search_text[s:e]
        for s, e in split_sentences(doc.text)
        if key in doc.search_text[s:e] or s <= clean_start < e
    ]
    return "\n".join(parts)


_JOINED = re.compile(
    r"(?:^|[，,；;：:])(?P<list>[^，,。；;：:]+?)"
    rf"(?:等[0-9一二三四五六七八九十百多余]*[家个所]?(?:{_alt('alliances.member_kinds')})?)?"
    rf"(?:也|均|都|正式|先后|共同)?(?:{_alt('alliances.join_verbs')})了?"
)


def joined_members(doc: Document, name: str) -> list[str]:
    """Bodies that a sentence lists as joining the alliance ``name`` ("A、B、C等9家机构也
    加入了X联盟"), in the document's script; a list of two or more only, so that a lone
    subject ("他加入了…") is not taken for a member."""
    from agent.extract.event_fields import listed_bodies
    from agent.ingest.cleaning import search_form

    key = search_form(name).strip("“”\"")
    out: list[str] = []
    for s, e in split_sentences(doc.text):
        form = doc.search_text[s:e]
        for m in _JOINED.finditer(form):
            if not form[m.end() :].lstrip("“\"").startswith(key[:4]):
                continue
            bodies = listed_bodies(doc.text[s + m.start("list") : s + m.end("list")])
            if len(bodies) >= 2:
                out += [b for b in bodies if b not in out]
    return out


def _search_in(needle: str, haystack: str) -> bool:
    from agent.ingest.cleaning import search_form

    return search_form(needle) in haystack


def _surface_name(doc: Document, window: Window, name: str) -> str:
    """The document's own spelling of a verified name (the model may mix scripts)."""
    found = locate_quote(doc, name, within=(window.start, window.end))
    if found is None:
        return name
    a = doc.cleaned_index(found.start)
    b = doc.cleaned_index(found.end - 1) + 1
    return doc.text[a:b]


def finalise_alliance(doc: Document, window: Window, m: AllianceMention,
                      *, co_built: bool = False) -> Alliance | None:
    """The verified alliance of a mention; ``co_built`` names (:func:`co_built_names`)
    are known to be one by their sentence, not by their shape."""
    from agent.extract.aliases import full_name
    from agent.text.numbers import parse_date

    name = clean_alliance_name(m.name)
    if not co_built and not is_alliance_name(name):
        return None
    evidence = locate_name(doc, window, name)
    if evidence is None:
        return None
    name = _surface_name(doc, window, name)
    founded = parse_date(m.founded, default_year=doc.reference_year) if m.founded else None
    lead = code_lead(doc, window, name, evidence)
    if lead is None and m.lead and _is_org(doc, m.lead.strip()):
        lead = full_name(m.lead.strip())
    # Members must be named where the alliance is: sentences mentioning it.
    context = _alliance_context(doc, window, name, evidence)
    members = [
        x for x in _names(m.members) if x != name and _is_org(doc, x) and _search_in(x, context)
    ]
    members += [x for x in joined_members(doc, name) if x not in members]
    return Alliance(
        name=name,
        kind=alliance_kind(name),  # type: ignore[arg-type]
        members=members,
        lead=lead,
        founded=founded,
        evidence=[evidence],
        doc_ids=[doc.doc_id],
    )


def _naming_sentence(doc: Document, window: Window, name: str, clean_start: int) -> int:
    """Where the event's own sentence starts: the model may quote a sentence that refers
    back to it ("本次大赛由省教育厅主办") when another sentence of the window names it with
    its date and place ("8月7日至8月9日，…大赛现场决赛在某大学成功举办"); the naming
    sentence nearest the quote is then the evidence."""
    from agent.ingest.cleaning import search_form

    key = search_form(name)
    own = next(((s, e) for s, e in window.sentences if s <= clean_start < e), None)
    if own is None or len(key) < 4 or key in doc.search_text[own[0] : own[1]]:
        return clean_start
    naming = [s for s, e in window.sentences if key in doc.search_text[s:e]]
    return min(naming, key=lambda s: abs(s - own[0]), default=clean_start)


def finalise_event(doc: Document, window: Window, m: EventMention) -> Event | None:
    from agent.text.dates import named_day, without_dateline
    from agent.text.numbers import parse_dated

    found = locate_quote(doc, m.evidence, within=(window.start, window.end))
    name = completed_name(doc, window, clean_event_name(m.name))
    if found is None or not is_event_name(name):
        return None
    clean_start = _naming_sentence(doc, window, name, doc.cleaned_index(found.start))
    evidence = _sentence_evidence(doc, window, clean_start, clean_start + 1)
    sentence_form = doc.search_text[
        doc.cleaned_index(evidence.start) : doc.cleaned_index(evidence.end)]
    if is_news_source(sentence_form, name):
        return None
    date, inferred = parse_dated(m.date, doc.reference_year) if m.date else (None, False)
    if date is None:
        date, inferred = parse_dated(without_dateline(evidence.quote), doc.reference_year)
    if date is None and (named := named_day(evidence.quote, doc.published)):
        date, inferred = named[1].isoformat(), True
    stated = _stated_fields(doc, clean_start)
    organizers = _names(m.organizers) or stated.organizers
    if not organizers and (school := _self_organiser(doc, sentence_form)):
        organizers = [school]
    location = m.location or stated.location
    if not organizers and (owner := _owner_in_name(doc, name, location)):
        organizers = [owner]
    return Event(
        name=name,
        event_type=event_type(name, m.event_type),
        date=date,
        date_text=m.date,
        date_inferred=inferred,
        location=location,
        organizers=organizers,
        hosts=_names(m.hosts) or stated.hosts,
        evidence=[evidence],
        doc_ids=[doc.doc_id],
    )


_FROM_SOURCE = re.compile(rf"[上中]?(?:{_alt('events.source_verbs')})")


def is_news_source(form: str, name: str) -> bool:
    """Whether the sentence (search form) writes the event ``name`` as where the news was
    learnt ("从X新闻发布会上获悉")."""
    from agent.ingest.cleaning import search_form

    key = search_form(name)
    at = form.find(key)
    return at > 0 and "从" in form[max(0, at - 20) : at] and bool(
        _FROM_SOURCE.match(form, at + len(key)))


def completed_name(doc: Document, window: Window, name: str) -> str:
    """``name`` with the words after it in the text that finish it as an event name, and
    the opening quotation mark the model left off before it (互联网+”大学生创新创业大赛 →
    “互联网+”大学生创新创业大赛)."""
    found = locate_quote(doc, name, within=(window.start, window.end)) if name else None
    if found is None:
        return name
    end = doc.cleaned_index(found.start) + len(name)
    start = end - len(name)
    if end > len(doc.text) or doc.text[start:end] != name:
        return name  # the text differs in form (script, spacing): keep the model's name
    if (opener := _missing_opener(name)) and doc.text[start - 1 : start] == opener:
        name = opener + name
    if m := _NAME_REST.match(doc.search_text, end, min(end + 12, window.end)):
        return name + doc.text[end : m.end()]
    return name


def _missing_opener(name: str) -> str | None:
    """The opening mark of a closing one that ``name`` holds with none before it (of the
    :data:`_PAIRS` whose two marks differ)."""
    for opener, closer in _PAIRS.items():
        at = name.find(closer)
        if opener != closer and at != -1 and opener not in name[:at]:
            return opener
    return None


def event_type(name: str, said: str) -> str:
    """The type the name's ending gives ("…高峰论坛" → 会议), else the model's, unless the
    model's names a kind the name does not show (活动周 for "…人才交流会")."""
    from agent.ingest.cleaning import search_form

    simple = _TRAILING.sub("", search_form(name))
    # "A暨B" holds B within A, the main event: "…公益创业赛暨志愿服务交流会" is a contest,
    # "…合作协议签订暨…学院揭牌仪式" a signing
    by_ending = next((t for part in (simple.split("暨")[0], simple)
                      for suffix, t in EVENT_TYPES if part.endswith(suffix)), None)
    said = said.strip()
    if by_ending:
        return by_ending
    if said in NAMED_TYPES and said not in simple:
        return "其他"
    return said or "其他"


def _stated_fields(doc: Document, clean_start: int) -> EventFields:
    """Place, organisers and hosts written in the event's sentence or the one after it
    ("…启动仪式在X举行。活动由十部门主办，X承办。")."""
    from agent.extract.event_fields import event_fields

    spans = split_sentences(doc.text)
    at = next((i for i, (s, e) in enumerate(spans) if s <= clean_start < e), None)
    if at is None:
        return EventFields()
    s, e = spans[at][0], spans[min(at + 1, len(spans) - 1)][1]
    return event_fields(doc.text[s:e], doc.search_text[s:e])


def _self_organiser(doc: Document, sentence_form: str) -> str | None:
    """The school of a report that holds the event of the sentence itself ("学院…举行了…
    校赛")."""
    from agent.extract.event_fields import self_organiser_span

    span = self_organiser_span(sentence_form, doc.search_text)
    return doc.text[span[0] : span[1]] if span else None


# An edition after an organisation's name makes the event that organisation's own
# ("湖南机电职业技术学院2023年暑期中层干部培训班", "某某大学第十届运动会"), unless a region's
# event follows: the school is then its venue ("某某大学第九届湖南省…创新创业大赛现场赛").
_EDITION = re.compile(r"(?:19|20)\d\d年|第[0-9一二三四五六七八九十百]+[届期次]|首届")
_REGION_EVENT = re.compile(r"(?:全国|全省|全市|[\u4e00-\u9fff]{2,3}(?:省|自治区|市))")


def _owner_in_name(doc: Document, name: str, location: str | None) -> str | None:
    """The organisation an event's name opens with, followed by its edition or year."""
    if not (m := _EDITION.search(name)) or _REGION_EVENT.match(name, m.end()):
        return None
    owner = name[: m.start()]
    if len(owner) < 4 or (location and owner in location) or not _is_org(doc, owner):
        return None
    return owner


EVENT_NOUNS = lexicon.words("extraction", "events.nouns")
EVENT_SUFFIX = rf"(?:{_alt('events.name_suffixes')})"
# The rest of an event name the model cut short, often at a closing quote: "…签订暨“…新能源
# 学院”" + "揭牌仪式", "…“校企合作”" + "推进会".
_NAME_REST = re.compile(r"[^，,。；;、：:“”（）()\s]{0,6}?" + EVENT_SUFFIX)
EVENT_TYPES: tuple[tuple[str, str], ...] = tuple(
    lexicon.table("extraction", "events.types").items()
)
# Types a name shows by its own words; the model gives 活动周 to any named week or fair.
NAMED_TYPES = frozenset({"活动周"})
REPORTING_VERBS = lexicon.words("extraction", "events.reporting_verbs")
PLACE_ENDINGS = lexicon.words("extraction", "events.place_endings")


_AWARD_LEAD = re.compile(rf"^.*?(?:{_alt('events.award_verbs')})")
_TRAILING = re.compile(rf"(?:{_alt('events.trailing_words')})$")
_AWARD_TAIL = re.compile(rf"(?<=赛)[^赛]{{0,4}}?(?:{_alt('events.award_tails')}).*$")
# A headline given as the name: "…夏令营活动在成都举行", "…系列活动第八季在岳西金杨村圆满举办".
_HELD_AFTER = re.compile(
    rf"(?:{_alt('events.held_at_prepositions')})[^，,。；;]{{2,30}}?"
    rf"(?:{lexicon.alternation('events', 'held_adverbs')})?(?:{_alt('events.held_verbs')})$"
)
# A slogan before a colon in a headline-style name ("放飞梦想 爱心启航：2023年…夏令营活动").
_SLOGAN = re.compile(r"^[^：:]{2,20}[：:]")
CLASS_NOUNS = lexicon.words("extraction", "events.class_nouns")
OWN_MARKS = lexicon.words("extraction", "events.own_marks")
_CLASS_ONLY = re.compile(
    rf"^(?:{_alt('events.class_only_words')})*(?:{_alt('events.class_only_nouns')})$"
)


def clean_event_name(name: str) -> str:
    """The event in a model-given name: "X荣获Y大赛…比赛现场" → "Y大赛…比赛", "X代表队在
    Y大赛中沉着冷静，…" → "Y大赛"."""
    from agent.ingest.cleaning import search_form

    name = name.strip()
    if m := TOOK_PART.search(search_form(name)):
        name = name[m.start("name") : m.end("name")]
    if (m := _AWARD_LEAD.match(search_form(name))) and len(name) - m.end() >= 5:
        name = name[m.end() :]
    if (m := _TRAILING.search(search_form(name))) and m.start() >= 5:
        name = name[: m.start()]
    if (m := _AWARD_TAIL.search(search_form(name))) and m.start() >= 5:
        name = name[: m.start()]
    if (m := _HELD_AFTER.search(search_form(name))) and m.start() >= 5:
        name = name[: m.start()]
    if (m := _SLOGAN.match(name)) and len(name) - m.end() >= 5:
        name = name[m.end() :]
    return name.strip()


def is_event_name(name: str) -> bool:
    """A named happening, not a clause (a comma), a reporting verb (“某某表示”), a place
    ("…集训基地") or a bare date."""
    from agent.ingest.cleaning import search_form
    from agent.text.numbers import parse_date

    simple = search_form(name.strip())
    if any(ch in simple for ch in "，,；;。"):
        return False
    if any(w in simple for w in REPORTING_VERBS) or simple.endswith(PLACE_ENDINGS):
        return False
    if parse_date(simple) and len(re.sub(r"[\d年月日上下午晚]", "", simple)) < 3:
        return False
    if not any(w in simple for w in EVENT_NOUNS) or _CLASS_ONLY.match(simple):
        return False
    # "职业教育互动体验活动" is a kind of activity; "2023年…夏令营活动" is one of them.
    class_only = all(w in CLASS_NOUNS for w in EVENT_NOUNS if w in simple)
    return not class_only or any(mark in simple for mark in OWN_MARKS)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((text.rfind(ch, 0, start) for ch in CLAUSE_BREAKS), default=-1) + 1
    rights = [i for i in (text.find(ch, end) for ch in CLAUSE_BREAKS) if i != -1]
    return left, min(rights, default=len(text))


METRIC_VERBS = re.compile(rf"({_alt('targets.metric_verbs')})$")
_METRIC_LEADING = rf"^({_alt('targets.metric_leading_words')})"


_METRIC_HEAD_WORDS = re.compile(rf"^(?:{_alt('targets.metric_head_words')})+")


def _noun_phrase(text: str) -> str:
    """``全省新增技能人才`` → ``技能人才``: scope, time and action words before the thing
    counted are not part of it."""
    text = text.strip(" ：:、，,")
    stripped = _METRIC_HEAD_WORDS.sub("", text)
    return stripped if len(stripped) >= 2 else text


# A comparison after the thing counted: "在校生比上年增加" → 在校生.
_COMPARED = re.compile(rf"(?:{_alt('targets.comparison_words')})[^，,。；;\d]*$")


GENERIC_NOUNS = frozenset(lexicon.words("extraction", "targets.generic_counted_nouns"))
COUNTING_VERBS = frozenset(lexicon.words("extraction", "targets.counting_verbs"))


# What a sum or a number of persons counts when only a verb names it: "某公司向某大学捐赠
# 200万元" → 捐赠资金, "特批招收200人" → 招收人数.
COUNTED_BY_VERB = {"CNY": "资金", "persons": "人数", "人": "人数"}
# "122所高校的36.8万个参赛项目": the schools whose projects entered are 参赛高校.
_OWNED_TAKING_PART = re.compile(
    rf"的[\d.]+[万亿]?[^\d，,。；;]?(?P<verb>{_alt('targets.counting_verbs')})")
OCCURRENCE_NOUNS: dict[str, str] = lexicon.table("extraction", "targets.occurrence_nouns")
# "补贴标准为初级（五级）" names the figure by what follows 为 and the noun before it.
_COPULA = re.compile(r"(?:为|是)(?=[^为是，,。；;]{2,12}$)")


PARTICIPANT_NOUNS = frozenset(lexicon.words("extraction", "targets.participant_nouns"))
INSTITUTION_COUNTERS = frozenset(lexicon.words("extraction", "targets.institution_counters"))
INSTITUTION_PEOPLE = lexicon.words("extraction", "targets.institution_people")
_GENERIC_ENDINGS = tuple(GENERIC_NOUNS)
ENTERING_VERBS = frozenset(lexicon.words("extraction", "targets.entering_verbs"))
_AT_CONTEST = re.compile(_alt("targets.at_contest"))
AWARD_VERBS = frozenset(lexicon.words("extraction", "events.award_verbs"))
PRIZE_MARKS = tuple(lexicon.words("extraction", "targets.prize_marks"))
# A sentence opened by what drew the counted ones: "本次比赛共吸引100位选手参赛", "成都大运会吸引了
# 113个国家和地区的6500名运动员参加" (20k news).
_DREW = re.compile(r"(?P<what>[^，,。；;\d]{2,12}?)(?:共|先后|已)?吸引了?")


def what_drew(text: str, form: str) -> str:
    """The nouns a sentence opens with when they drew the ones it counts ("复赛吸引了…507所
    高校的8361名学生参加" → 复赛, also in its later clauses); "" otherwise."""
    from agent.text.nouns import trailing_nouns

    if not (drew := _DREW.match(form)):
        return ""
    what = trailing_nouns(text[: drew.end("what")], form[: drew.end("what")])
    return _noun_phrase(what) if len(what) >= 2 else ""


# Those counted who stood out go on to the stage the sentence names next: "1431名选手脱颖
# 而出，在…决赛现场同台竞技" (development report), "387名考生脱颖而出进入面试环节", "6支代表队
# 经过层层选拔脱颖而出进入决赛" (20k news); not the pool they stood out from ("从210名选手中
# 脱颖而出": 中 before it) nor a clause with another amount between.
_STOOD_OUT = re.compile(
    r"[^，,。；;\d]{1,12}?(?<!中)脱颖而出[^。；;\d]{0,24}?"
    rf"(?:(?P<entered>(?:{lexicon.alternation('extraction', 'targets.advancing_verbs')})"
    r"[^，,。；;\d]{2,8}?)(?=[，,。；;]|$)"
    rf"|(?P<stage>{lexicon.alternation('extraction', 'events.contest_stages')}))"
)


def stage_reached(form: str, end: int) -> str:
    """The stage reached by those counted by the amount ending at ``end`` when they stood
    out (:data:`_STOOD_OUT`): 进入面试环节, 决赛; "" otherwise."""
    m = _STOOD_OUT.match(form, end)
    if m is None:
        return ""
    return m.group("entered") or m.group("stage")


def prize_won(text: str, form: str) -> str:
    """获 and the prize a clause says the counted ones won ("获得一等奖" → 获一等奖; "斩获金奖
    4项、银奖2项" → 获奖, the prizes being counted themselves); "" when it says none."""
    from agent.text.nouns import predicate_after

    predicate = predicate_after(text, form, AWARD_VERBS)
    verb = next((v for v in AWARD_VERBS if predicate.startswith(v)), "")
    prize = predicate[len(verb):]
    if not verb or not any(mark in prize for mark in PRIZE_MARKS):
        return ""
    after = text.find(predicate) + len(predicate)
    return "获奖" if form[after : after + 1].isdigit() else "获" + prize


_RATE_PER = re.compile(r"按(?:照)?(?P<per>每[^，,。；;按]{1,15})$")
_RATE_PAID = re.compile(
    rf"标准(?:{_alt('targets.payment_verbs')})(?P<paid>[^，,。；;并和及]{{1,12}})(?=[，,。；;]|$)"
)


def _paid_rate(text: str, form: str, start: int, end: int) -> str:
    """The rate an amount followed by 的标准 sets, named by what is paid for what ("按每月
    400元的标准给予补助" → 每月补助标准); "" when the sentence is not so phrased."""
    per, paid = _RATE_PER.search(form, 0, start), _RATE_PAID.match(form, end)
    if per is None or paid is None:
        return ""
    return text[per.start("per") : per.end("per")] + text[paid.start("paid") : paid.end()] + "标准"


# Whom those trained were trained for, when the sentence says: "为东盟国家培养各类人才850余人"
# (development report) → 为东盟国家培养各类人才, "为尼军队培训防疫人员约60人次" (20k news).
_SERVED = re.compile(
    rf"为[^，,。；;、为的\d]{{2,10}}(?:{_alt('targets.serving_verbs')})了?(?:各类|各种|各级)?$")


def _metric(text: str, form: str, start: int, end: int, unit: str | None = None,
            *, at_contest: bool = False, drawn_by: str = "") -> str:
    """What the amount ``text[start:end]`` counts: the nouns right after it (“吸引了67所
    职业院校”), else the nouns that end the words before it (“国家级技能大师工作室40个”,
    “在校生比上年增加1.2万人”), else what the verb before it governs (“争取了40个在疆招生
    计划”, “捐赠200万元”), else the words around it. ``form`` is the search form;
    ``drawn_by`` what the sentence says drew the counted ones (:func:`what_drew`)."""
    from agent.ingest.cleaning import search_form
    from agent.text.nouns import (
        leading_nouns,
        listed_kinds,
        listed_nouns,
        object_after,
        predicate_after,
        trailing_nouns,
        verb_before,
    )

    if form[end : end + 1] == "的":  # "80平方米的实训基地": the measure of the thing after 的
        end += 1
    if listed := listed_kinds(text[end:], form[end:]):
        return listed
    if rate := _paid_rate(text, form, start, end):
        return rate
    # 和/及/与 end the nouns by their tag, not as characters: "3万多家企业参与" is not 企业参
    stop = end + len(re.split(r"[、，,。；;的]", form[end:])[0])
    after = listed_nouns(text[end:], form[end:]) or leading_nouns(text[end:stop], form[end:stop])
    if unit in INSTITUTION_COUNTERS and (people := next(
            (w for w in INSTITUTION_PEOPLE if form[end : end + len(after)].endswith(w)), "")):
        after = after[: len(after) - len(people)] if len(after) - len(people) >= 2 else after
    taking_part = next((v for v in COUNTING_VERBS
                        if form[end : end + len(after)].endswith(v) and len(after) > len(v) + 1),
                       None)
    if taking_part:  # jieba tags 参赛 a noun: "69支队伍参赛" counts 参赛队伍
        cut = len(after) - len(taking_part)
        return after[cut:] + after[:cut]
    if len(after) >= 2:
        rest = end + len(after)
        clause_end = rest + len(re.split(r"[，,。；;]", form[rest:])[0])
        predicate = predicate_after(text[rest:clause_end], form[rest:clause_end],
                                    COUNTING_VERBS)
        if won := prize_won(text[rest:clause_end], form[rest:clause_end]):
            return won + after  # "7个项目斩获金奖4项" → 获奖项目
        if form[end : end + len(after)] not in GENERIC_NOUNS:
            # "推荐25个优质项目进入省级复赛" → 进入省级复赛优质项目, "123个项目晋级复赛" (20k
            # news): the stage entered says which are counted
            staged = predicate not in COUNTING_VERBS and form[rest:clause_end].startswith(
                predicate) and form[end : end + len(after)].endswith(_GENERIC_ENDINGS)
            return predicate + after if predicate and staged else after
        # "6个项目入围省决赛" → 入围省决赛项目; "申报6873个项目" → 申报项目
        verb = predicate or verb_before(text[:start], form[:start], COUNTING_VERBS)
        if not verb and (owned := _OWNED_TAKING_PART.match(form, rest)):
            verb = text[owned.start("verb") : owned.end("verb")]
        if not verb and at_contest and form[end : end + len(after)] in PARTICIPANT_NOUNS:
            verb = "参赛"
        if verb in ENTERING_VERBS:  # "复赛吸引了…8361名学生参加" → 参加复赛学生
            return verb + drawn_by + after
        return verb + after
    cut = m.start() if (m := _COMPARED.search(form[:start])) else start
    before = trailing_nouns(text[:cut], form[:cut])
    if len(before) >= 2:
        phrase = _noun_phrase(before)
        noun_at = cut - len(phrase)
        if form[noun_at:cut] in GENERIC_NOUNS:  # "累计培训学员10000余人" → 培训学员
            return verb_before(text[:noun_at], form[:noun_at], COUNTING_VERBS) + phrase
        if served := _SERVED.search(form, 0, noun_at):  # "为东盟国家培养各类人才850余人"
            return text[served.start() : cut]
        return phrase
    if verb := verb_before(text[:cut], form[:cut]):
        clause_end = end + len(re.split(r"[，,。；;]", form[end:])[0])
        counted = object_after(text[end:clause_end], form[end:clause_end])
        if len(counted) >= 2:
            return counted
        if unit in COUNTED_BY_VERB and not form[end:stop].strip():
            return verb + COUNTED_BY_VERB[unit]
    if copula := _COPULA.search(form[:cut]):  # "补贴标准为初级（五级）1000元"
        stated = text[copula.end() : cut]
        named = trailing_nouns(text[: copula.start()], form[: copula.start()])
        return stated + _noun_phrase(named) if named else stated
    around = _words_around(text, text[start:end])
    if unit in OCCURRENCE_NOUNS and verb_before(around, search_form(around)):
        return around + OCCURRENCE_NOUNS[unit]  # "年授课达到200场" → 年授课场次
    return around


def _counted(text: str, form: str, start: int, end: int, unit: str | None = None,
             *, at_contest: bool = False, drawn_by: str = "") -> str:
    """:func:`_metric` cut to a noun phrase: a reader is shown "产教融合型企业", never
    "的产教融合型企业已" (the words around an amount that no rule named)."""
    from agent.ingest.cleaning import search_form
    from agent.text.nouns import trimmed_phrase

    metric = _metric(text, form, start, end, unit, at_contest=at_contest, drawn_by=drawn_by)
    return trimmed_phrase(metric, search_form(metric))


def _words_around(clause: str, raw: str) -> str:
    """The thing counted when no noun phrase is next to the amount: the words after it
    when a verb or nothing comes before (“建成2个市域产教联合体”), else the words before
    it (“吸纳院校50余所”)."""
    before, _, after = clause.partition(raw)
    after = re.split(r"[、，,和及与]", after)[0].strip(" ：:")
    before = re.sub(_METRIC_LEADING, "", _COMPARED.sub("", before.strip()))
    if len(after) >= 2 and (not before or METRIC_VERBS.search(before)):
        return _noun_phrase(after[:20])
    if METRIC_VERBS.search(before) and len(before) > 4:
        before = METRIC_VERBS.sub("", before)
    return _noun_phrase(before[-20:] or after[:20] or clause[:20])


_LIST_HEAD = re.compile(
    r"^(?:[（(][一二三四五六七八九十0-9]+[)）]|[0-9一二三四五六七八九十]+[、.])?\s*(?:力争)?[到至]"
)
_RELATIVE_DEADLINE = {
    word: offset for offset, key in ((0, "this_year"), (1, "next_year"))
    for word in lexicon.words("extraction", f"targets.relative_deadline.{key}")
}


def deadline_scopes(doc: Document, spans: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The deadline each sentence inherits from a list head: in "到2025年，A；B；C。" the
    year governs every goal up to the sentence that ends the list (。！？ or the end of the
    paragraph), however the sentence splitter cut it (；)."""
    from agent.text.numbers import parse_deadline_year

    out: dict[tuple[int, int], int] = {}
    scope: int | None = None
    previous_end = 0
    for s, e in spans:
        if "\n" in doc.text[previous_end:s]:
            scope = None  # a list never runs into the next paragraph
        previous_end = e
        sentence = doc.search_text[s:e].strip()
        if scope is not None:
            out[(s, e)] = scope
        elif _LIST_HEAD.match(sentence):
            scope = parse_deadline_year(sentence)
        if not sentence or sentence[-1] not in "；;：:":
            scope = None
    return out


def relative_deadline(doc: Document, s: int, e: int) -> int | None:
    """今年/年内/年底前 → the publication year, 明年 → the next one (goals only)."""
    year = doc.published_year
    if year is None:
        return None
    form = doc.search_text[s:e]
    offsets = [off for word, off in _RELATIVE_DEADLINE.items() if word in form]
    return year + max(offsets) if offsets else None


FIGURE_NOUNS = lexicon.words("topic", "figure_nouns")


def is_topic_figure(clause_form: str) -> bool:
    """Whether a reported figure's clause counts something of the topic (schools,
    trainees, contests, bases…): "城镇新增就业678万人" is news, not an indicator here."""
    return any(noun in clause_form for noun in FIGURE_NOUNS)


_PROGRESS = re.compile(
    rf"(?:{_alt('targets.progress_verbs')})了?[^，,。；;]{{0,8}}(?:目标|计划|任务)"
)
_COMPARISON = _alt("targets.comparison_words")
_CHANGE_VERBS = lexicon.alternation("numbers", "change_verbs")
# The base of a comparison ends the words before an amount: 比上年度的63项, 较去年同期的.
_COMPARISON_BASE = re.compile(rf"(?:{_COMPARISON})[^，,。；;、\d]{{0,10}}$")
_CHANGE_BEFORE = re.compile(rf"(?:{_CHANGE_VERBS})了?$")
CHANGE_UNITS = frozenset(lexicon.words("extraction", "targets.change_units"))
ISSUER_UNITS = frozenset(lexicon.words("extraction", "targets.issuer_units"))
_ISSUING = re.compile(rf"^(?:联合|共同)?(?:{lexicon.alternation('policy', 'verbs')})")
HEADLINE_MARKERS = lexicon.words("extraction", "targets.headline_markers")


_ENUMERATION = re.compile(
    rf"(?:{_alt('targets.enumeration_verbs')})了?(?P<items>[^，,。；;：:]+?)(?:等|共)?$")


def counts_listed_parts(clause_form: str, q: Quantity) -> bool:
    """Whether the amount counts the parts a dividing verb just listed ("分为高教主赛道、
    “青年红色筑梦之旅”赛道、职教赛道3个赛道"): as many items as the value."""
    m = _ENUMERATION.search(clause_form)
    if m is None or "、" not in m["items"]:
        return False
    return len(re.split(r"、|和|及|与", m["items"])) == q.value


# What a rate is per: an amount right after 每 ("每100名学生配备1名教师") or one the rate
# follows ("按每招用1人1000元的标准", 20k news); not the rate itself ("每个项目资助5万元",
# "每位培养对象不低于10万元") nor an amount per period (targets.rate_periods: "每年培训1万人次").
_RATE_BASE = re.compile(rf"每(?!{_alt('targets.rate_periods')})[^\d，,。；;]{{0,4}}$")


def not_a_figure(clause_form: str, q: Quantity, after: str, based: bool) -> bool:
    """Amounts that are part of the wording, not indicators: the base of a comparison
    (“比上年度的63项”), the difference after a counted base (“…增加了6项”; a rate such as
    “比上年增长12%” stays), the number of bodies issuing a document (“等16部门印发”), what
    a rate is per (:data:`_RATE_BASE`), a count of the parts just listed
    (:func:`counts_listed_parts`).
    ``clause_form`` is the search form up to the amount, ``after`` what follows it."""
    if _COMPARISON_BASE.search(clause_form) and not _CHANGE_BEFORE.search(clause_form):
        return True
    if based and q.unit not in CHANGE_UNITS and _CHANGE_BEFORE.search(clause_form):
        return True
    if q.unit in ISSUER_UNITS and _ISSUING.match(after):
        return True
    if (base := _RATE_BASE.search(clause_form)) and (
            base.group(0) == "每" or after[:1].isdigit()):
        return True
    return counts_listed_parts(clause_form, q)


PEOPLE_NOUNS = lexicon.words("extraction", "targets.people_nouns")
# Persons are counted without a counter word in large numbers (16余万, 130万); a small bare
# number before such a noun is part of a name ("8·8人才交流会", "[2023]1…人才缺口").
PEOPLE_MIN = 100


# What may stand between a noun for people and their number ("学生人数为3万", "在校生共3万");
# qualifiers (达到, 超过, 约, 近…) the quantity parser already reads as part of the amount.
_BEFORE_COUNT = re.compile(r"(?:总数|人数|规模)?(?:共|为)?$")


def counts_people(text: str, form: str, start: int, end: int) -> bool:
    """Whether an amount without a counter word at ``start:end`` counts persons: the nouns
    right after it end with a word for people ("16余万中小学生", "130万职业人才缺口"), or it
    ends its clause after such a word ("今年全国高校毕业生超过1100万" in the
    20k news)."""
    from agent.text.nouns import leading_nouns

    stop = end + len(re.split(r"[、，,。；;和及与的]", form[end:])[0])
    nouns = form[end : end + len(leading_nouns(text[end:stop], form[end:stop]))]
    if any(word in nouns for word in PEOPLE_NOUNS):
        return True
    if stop > end:
        return False
    before = _BEFORE_COUNT.sub("", form[:start], count=1)
    return before.endswith(PEOPLE_NOUNS)


_DEMONSTRATIVE = re.compile(r"\s*(?:该|此|本|这个|这)?")
_OWNED_NOW = re.compile(r"(?:现有|共有)(?P<noun>[^，,。；;\d]{2,6})$")
_MEMBER_OWNERS = (*ORG_SUFFIXES, *lexicon.words("extraction", "targets.member_owners"))


def owned_count(doc: Document, s: int, cs: int, q_start: int) -> str:
    """What a clause "现有成员6人" counts when it names no owner: the members of the body its
    sentence opens with, or the sentence before when it is the first clause ("工作室创立于
    …。现有成员6人" → 工作室成员), when those nouns end as a body does
    (:data:`_MEMBER_OWNERS`); "" otherwise."""
    from agent.ingest.cleaning import search_form
    from agent.text.nouns import leading_nouns

    owned = _OWNED_NOW.match(doc.search_text, s + cs, s + q_start)
    if owned is None:
        return ""
    at = s if cs > 0 else max(doc.search_text.rfind(c, 0, s - 1) for c in "。！？!?\n") + 1
    if opener := _DEMONSTRATIVE.match(doc.search_text, at):  # "该工作室创立于…"
        at = opener.end()
    end = at + len(re.split(r"[，,。；;]", doc.search_text[at:])[0])
    owner = leading_nouns(doc.text[at:end], doc.search_text[at:end])
    if len(owner) < 2 or not search_form(owner).endswith(_MEMBER_OWNERS):
        return ""
    return owner + doc.text[owned.start("noun") : owned.end("noun")]


def targets_in_sentence(doc: Document, s: int, e: int,
                        inherited: int | None = None) -> list[Target]:
    """Indicators in one sentence, parsed by code; the clause is the evidence.

    ``inherited`` is the deadline of a list head the sentence belongs to."""
    from agent.text.numbers import find_quantities, parse_change, parse_deadline_year

    sentence = doc.text[s:e]
    deadline = parse_deadline_year(sentence) or inherited
    published = doc.published_year
    form = doc.search_text[s:e]
    # A cue governs the amounts after it: in "14位大国工匠担任技能导师，接下来将定期…" and
    # "争取了40个在疆招生计划" the amount comes first and is a result.
    unmarked = _PROGRESS.sub(lambda m: " " * len(m.group(0)), form)
    first_cue = min((i for cue in GOAL_CUES[2:] if (i := unmarked.find(cue)) >= 0),
                    default=len(form))
    cued_deadline = deadline
    if deadline is None and first_cue < len(form):
        cued_deadline = relative_deadline(doc, s, e)
    dated_goal = deadline is not None and (published is None or deadline >= published)
    change = parse_change(sentence)
    drawn_by = what_drew(sentence, form)
    out = []
    previous_end = 0
    based_at = -1  # end of the last comparison base in the sentence's current clause
    for q in find_quantities(sentence):
        if (q.unit is None and q.value >= PEOPLE_MIN
                and counts_people(sentence, form, q.start, q.end)):
            q = dataclasses.replace(q, unit="人")
        if q.unit is None or q.unit in NON_TARGET_UNITS:
            continue
        cs, ce = _clause(sentence, q.start, q.end)
        based = based_at >= cs
        if not_a_figure(form[cs : q.start], q, form[q.end : ce], based):
            if _COMPARISON_BASE.search(form[cs : q.start]):
                based_at = q.end
            continue
        # Bare Chinese numerals with a counter (“四个方面”, “三市一区”) are wording,
        # not indicators; keep them only with a qualifier (近百人) or as a multiple (两倍).
        if not re.search(r"\d", q.raw) and not q.qualifier and q.unit != "倍":
            continue
        metric_from = max(cs, previous_end)
        previous_end = q.end
        if change and q.start == change[0].start:
            continue  # 由39个增长至92个: 39 is the baseline of 92, not a figure
        cued = first_cue < q.start
        goal = dated_goal or cued
        if not goal and not is_topic_figure(form[cs:ce]):
            continue
        mtext, mform, at = sentence[metric_from:ce], form[metric_from:ce], q.start - metric_from
        if change and q.start == change[1].start and change[0].start >= cs:
            # what grew is named before the baseline: "相关专业点由39个增长至92个"
            named = len(sentence[: change[0].start].rstrip("由从"))
            mtext = sentence[cs:named] + q.raw
            mform, at = form[cs:named] + form[q.start : q.end], named - cs
        metric = _counted(mtext, mform, at, at + len(q.raw), q.unit,
                          at_contest=bool(_AT_CONTEST.search(form, 0, q.start)),
                          drawn_by=drawn_by)
        if (stage := stage_reached(form, q.end)) and stage not in metric and (
                metric.endswith(_GENERIC_ENDINGS) or metric in PARTICIPANT_NOUNS):
            metric = stage + metric
        metric = owned_count(doc, s, cs, q.start) or metric
        start, end = doc.original_span(s + cs, s + ce)
        clause = sentence[cs:ce]
        baseline = change[0].value if change and abs(change[1].value - q.value) < 1e-9 else None
        out.append(
            Target(
                description=clause,
                metric=metric,
                value=q.value,
                unit=q.unit,
                qualifier=q.qualifier,
                amount_text=q.raw,
                deadline_year=cued_deadline if cued else deadline,
                baseline=baseline,
                status="goal" if goal else "reported",
                evidence=[
                    Evidence(doc_id=doc.doc_id, quote=doc.original[start:end], start=start, end=end)
                ],
                doc_ids=[doc.doc_id],
            )
        )
    return out


_PARTY = r"[^，,。；;、“”]{2,40}?"
# Two parties of an agreement, in its sentence ("A党委书记王某同B校长刘某共同签订了…协议")
# or its name ("齐齐哈尔市政府与中国职业技术教育学会战略合作协议").
AGREEMENT_PARTIES = re.compile(
    rf"(?P<a>{_PARTY})(?:与|同|和)(?P<b>{_PARTY})(?:(?:共同|正式)?(?:签署|签订|签定|签约)"
    rf"|[^，,。；;、]{{0,30}}?(?:{_alt('alliances.agreement_words')}))"
)


_BEFORE_PARTY = re.compile(rf"^.*(?:{_alt('organisations.before_party')})")
_PERSON_TITLE = re.compile(rf"(?:{_alt('organisations.person_titles')}|[“”\"]).*$")


PARTY_BODY_KINDS = frozenset({"联盟", "共同体", "联合体"})


def _party(doc: Document, text: str, first: bool, *, known_by_name: bool = False) -> str | None:
    """The organisation a party of an agreement is ("…出席了A" → A, "B校长刘某" → B): for
    the ``first`` party the words after the last verb before it; up to a person's title;
    as long a name as the document writes. An alliance may be a party ("与华为开发者联盟
    签署…协议"); with ``known_by_name``, so may a name without an organisation's ending
    that the report keeps naming (:func:`_named_often`)."""
    text = _PERSON_TITLE.sub("", _BEFORE_PARTY.sub("", text) if first else text)
    for end in range(len(text), 1, -1):
        name = text[:end]
        if _is_org(doc, name) or (
            len(name) >= 4 and alliance_kind(name) in PARTY_BODY_KINDS and _verbatim(doc, name)
        ):
            return name
    return text if known_by_name and _named_often(doc, text) else None


BRAND_MIN_CHARS = 4
BRAND_MIN_MENTIONS = 3


def _named_often(doc: Document, name: str) -> bool:
    """A party known by a name without an organisation's ending ("达内教育与华为开发者联盟
    签署…协议", a development report naming 达内教育 nine times): at least
    :data:`BRAND_MIN_CHARS` characters (no two- or three-character person's name) and
    :data:`BRAND_MIN_MENTIONS` mentions."""
    from agent.ingest.cleaning import search_form

    simple = search_form(name)
    return (
        len(simple) >= BRAND_MIN_CHARS
        and "、" not in simple
        and not any(w in simple for w in ORG_NOISE)
        and doc.search_text.count(simple) >= BRAND_MIN_MENTIONS
    )


# A sentence that refers back to an agreement names its parties by what one does for the
# other: "按照协议，A向B捐赠200万元" (development report); 20k news: "根据该协议，美国将向
# 澳大利亚提供…", "根据协议，双方将…" (no party named: 双方 is no organisation). Not anchored
# at the sentence's start: a photo caption is often glued before it ("某某赠送感谢牌按照协议，").
AGREED_TERMS = re.compile(
    rf"(?:按照|根据|依据|依照)(?:该|此|本|这一|上述)?(?:合作)?协议[，,]"
    rf"(?P<a>{_PARTY})(?:将|拟|同意)?(?:向|为|与|同)(?P<b>[^，,。；;]{{2,40}})"
)


def agreed_terms_parties(doc: Document, text: str, form: str) -> list[str]:
    """The two parties a sentence holding "按照协议，A向B…" names (:data:`AGREED_TERMS`)."""
    m = AGREED_TERMS.search(form)
    if m is None:
        return []
    a = _party(doc, text[m.start("a") : m.end("a")], first=True)
    b = _party(doc, text[m.start("b") : m.end("b")], first=False)
    return [a, b] if a and b else []


def agreement_parties(doc: Document, texts: list[tuple[str, str]]) -> list[str]:
    """The two parties of an agreement named in one of ``texts`` (text, search form)."""
    for text, form in texts:
        m = AGREEMENT_PARTIES.search(form)
        if m is None:
            continue
        # a name without an organisation's ending only as the first party, whose text ends
        # at 与 (the second runs on to the verb), and only beside an organisation: "对口支持与
        # 交流合作协议" names two activities
        a = _party(doc, text[m.start("a") : m.end("a")], first=True, known_by_name=True)
        b = _party(doc, text[m.start("b") : m.end()], first=False)
        if a and b:
            return [a, b]
    return []


FOUNDING_WORDS = lexicon.words("extraction", "alliances.founding_event_words")
_FOUNDING_EVENT = re.compile(rf"^(?:{_alt('alliances.founding_event_words')})")


def founding_events(alliance: Alliance, events: Sequence[Event]) -> Iterator[Event]:
    """Events whose name is the alliance's name followed by a founding word ("X联盟成立
    大会", "“校帮院”…协议签订暨…揭牌仪式"), compared in the simplified search form."""
    from agent.ingest.cleaning import search_form

    key = search_form(alliance.name)
    for event in events:
        name = search_form(event.name)
        i = name.find(key)
        if i >= 0 and _FOUNDING_EVENT.match(name[i + len(key) :].lstrip("”\"")):
            yield event


def fields_across_sentences(doc: Document, events: list[Event], alliances: list[Alliance],
                            spans: list[tuple[int, int]]) -> None:
    """Fields another sentence of the document states, filled in where empty: organisers
    and hosts of a sentence that refers back to the event before it ("本次比赛由教育部等
    23个部委主办"); an alliance's founding date from the event that founded it (its name
    followed by 成立/签约/揭牌… in the event's name, or "会上，…联盟正式成立" after it).
    ``spans`` are the document's sentences."""
    from agent.extract.aliases import canonical_name
    from agent.extract.event_fields import AT_EVENT, referring_fields
    from agent.ingest.cleaning import search_form

    def at(item: Event | Alliance) -> int:
        return doc.cleaned_index(item.evidence[0].start)

    ordered = sorted(events, key=at)
    for s, e in spans:
        found = referring_fields(doc.text[s:e], doc.search_text[s:e])
        before = [ev for ev in ordered if at(ev) < s]
        if before and (found.organizers or found.hosts):
            before[-1].organizers = before[-1].organizers or found.organizers
            before[-1].hosts = before[-1].hosts or found.hosts
    def sentence_of(item: Event | Alliance) -> tuple[int, int] | None:
        return next(((s, e) for s, e in spans if s <= at(item) < e), None)

    def event_before(item: Event | Alliance, *, dated: bool = True) -> Event | None:
        """The (``dated``) event reported before ``item``'s sentence when that sentence is
        set at it ("会上，…联盟正式成立", "同时，大会举行了…签约仪式", "…应邀出席此次大会，
        与…签署")."""
        own = sentence_of(item)
        if own is None or not AT_EVENT.match(doc.search_text[own[0] : own[1]].lstrip()):
            return None
        hosts = [ev for ev in ordered if (ev.date or not dated) and at(ev) < own[0]]
        return hosts[-1] if hosts else None

    for ev in ordered:
        if ev.date is None and (host := event_before(ev)) is not None:
            ev.date, ev.date_inferred = host.date, host.date_inferred
            ev.location = ev.location or host.location
        elif ev.location is None and (host := event_before(ev, dated=False)) is not None:
            ev.location = host.location
    for a in alliances:
        if a.kind in ("协议", "学院") and not a.members:  # "A与B签订协议共建“X学院”"
            own = sentence_of(a)
            texts = [(a.name, search_form(a.name))]
            key = canonical_name(a.name)  # "X与Y签署‘A’协议": the signing's name
            texts += [(ev.name, search_form(ev.name)) for ev in ordered
                      if key in canonical_name(ev.name)]
            if own is not None:
                texts.append((doc.text[own[0] : own[1]], doc.search_text[own[0] : own[1]]))
            a.members = agreement_parties(doc, texts)
            if not a.members and own is not None:  # "按照协议，A向B捐赠…" in a later sentence
                a.members = next(
                    (terms for s, e in spans if s >= own[1]
                     if (terms := agreed_terms_parties(doc, doc.text[s:e], doc.search_text[s:e]))),
                    [],
                )
        if a.founded:
            continue
        if founder := next((ev for ev in founding_events(a, ordered) if ev.date), None):
            a.founded = founder.date
        elif (host := event_before(a)) is not None:
            a.founded = host.date


# An alliance's founding announced in its own sentence ("…组成的某某产教融合发展联盟正式成立",
# "该联盟于5月20日宣告成立"), not as the name of a meeting (成立大会, 成立仪式).
_ANNOUNCED = re.compile(
    r"^(?:于[^，,。；;]{1,12})?(?:正式|宣告|宣布|揭牌)?成立(?!大会|仪式|典礼|会)"
)


def announced_foundings(doc: Document, alliances: list[Alliance],
                        events: list[Event]) -> list[Event]:
    """A founding event for each dated alliance whose sentence announces its founding and
    for which no event is its founding already; the place is that of an event held the
    same day (the founding was announced there)."""
    from agent.ingest.cleaning import search_form

    out = []
    for a in alliances:
        if not a.founded or a.kind == "协议" or next(founding_events(a, events), None):
            continue
        ev = a.evidence[0]
        start = doc.cleaned_index(ev.start)
        sentence = doc.search_text[start : doc.cleaned_index(ev.end)]
        at = sentence.find(search_form(a.name))
        if at < 0 or not _ANNOUNCED.match(sentence[at + len(a.name) :]):
            continue
        host = next((e for e in events if e.date == a.founded and e.location), None)
        out.append(Event(
            name=f"{a.name}成立", event_type="成立大会", date=a.founded,
            location=host.location if host else None, evidence=[ev], doc_ids=[doc.doc_id],
        ))
    return out


def drop_headline_repeats(targets: list[Target]) -> list[Target]:
    """A figure of a repeated headline (“原标题：…获奖69项”) that the text states again is
    the same figure: keep the text's."""
    def in_headline(t: Target) -> bool:
        return any(m in ev.quote for ev in t.evidence for m in HEADLINE_MARKERS)

    body = {(t.value, t.unit) for t in targets if not in_headline(t)}
    return [t for t in targets if not (in_headline(t) and (t.value, t.unit) in body)]


def fold_agreements(alliances: list[Alliance]) -> list[Alliance]:
    """“X联盟战略性框架合作协议” is the founding act of “X联盟”: keep one item, with the
    agreement's wording as an alias and its evidence."""
    from agent.ingest.cleaning import search_form

    bodies = [a for a in alliances if a.kind != "协议"]
    kept: list[Alliance] = []
    for a in alliances:
        if a.kind == "协议":
            key = search_form(a.name)
            host = next((b for b in bodies if search_form(b.name) in key), None)
            if host is not None:
                if a.name not in host.aliases:
                    host.aliases = [*host.aliases, a.name]
                spans = {(e.start, e.end) for e in host.evidence}
                host.evidence = [
                    *host.evidence,
                    *(e for e in a.evidence if (e.start, e.end) not in spans),
                ]
                continue
        kept.append(a)
    return kept


EVENT_NAME = r"[^，,。；;：:（）()“”]{2,40}?" + EVENT_SUFFIX
# A clause about taking part: "某职院代表队在“建行杯”…创新创业大赛中沉着冷静".
TOOK_PART = re.compile(
    rf"^[^，,。；;]{{2,40}}?在(?P<name>[^，,。；;]{{4,60}}{EVENT_SUFFIX})(?:中|上|期间)"
)
# Held-verbs before a name may take 了 (召开了?|举行了?|举办了?).
_HELD_LE = "|".join(f"{verb}了?" for verb in lexicon.words("extraction", "events.held_verbs"))
HELD = re.compile(
    rf"(?:{_HELD_LE}|{_alt('events.held_verbs_before_name')})(?P<name>" + EVENT_NAME + ")"
    r"(?P<more>(?:[和、及与]" + EVENT_NAME + ")*)"
)
# First characters of the words that refer back (本届, 该次, 此次, 这届: events.anaphors).
_ANAPHOR_STARTS = frozenset(word[0] for word in lexicon.words("events", "anaphors"))
CONTEST_STAGE = re.compile(
    rf"(?:{_HELD_LE}|{_alt('events.stage_verbs')}了?)"
    r"(?P<contest>[^，,。；;：:（）()的]{2,40}?赛)的"
    rf"(?P<stage>{_alt('events.contest_stages')})"
)
HELD_AT = re.compile(
    r"(?P<name>[^，,。；;：:（）()“”]{4,40}?" + EVENT_SUFFIX + ")"
    rf"(?:{_alt('events.held_at_prepositions')})[^，,。；;]{{2,30}}?"
    rf"(?:{_alt('events.held_verbs')})"
)

# "在某某论坛上，…": an event named as the occasion of what the sentence reports.
AT_NAMED_EVENT = re.compile(
    r"在(?P<name>[^，,。；;：:（）()“”在]{4,40}?" + EVENT_SUFFIX + ")"
    rf"(?:{_alt('events.at_event_postpositions')})"
)
# The launch of a named campaign (events.launched_kinds): "“青年红色筑梦之旅”活动全面启动".
LAUNCHED = re.compile(
    rf"(?P<name>“[^”]{{2,30}}”[^，,。；;“”]{{0,12}}?(?:{_alt('events.launched_kinds')}))"
    rf"(?:{lexicon.alternation('events', 'held_adverbs')})?"
    rf"(?P<verb>{_alt('events.launch_verbs')})"
)


def code_event_mentions(doc: Document, window: Window) -> list[EventMention]:
    """Events named with a held-verb (召开/举行/举办 X会议, X大会在Y召开), found by pattern."""
    out: list[EventMention] = []
    for s, e in window.sentences:
        simple = doc.search_text[s:e]
        spans: list[tuple[int, int]] = []
        for m in HELD.finditer(simple):
            spans.append((m.start("name"), m.end("name")))
            more_start = m.start("more")
            for part in re.finditer(r"[和、及与](?P<n>[^和、及与]+)", m.group("more")):
                spans.append((more_start + part.start("n"), more_start + part.end("n")))
        spans += [(m.start("name"), m.end("name")) for m in HELD_AT.finditer(simple)]
        spans += [(m.start("name"), m.end("name")) for m in AT_NAMED_EVENT.finditer(simple)]
        for a, b in spans:
            name = doc.text[s + a : s + b]
            simple_name = doc.search_text[s + a : s + b]
            if "的" in simple_name or len(simple_name) < 5 or GENERIC_HEAD.match(simple_name[:2]):
                continue
            kind = next((t for suffix, t in EVENT_TYPES if simple_name.endswith(suffix)), "其他")
            out.append(EventMention(name=name, event_type=kind, evidence=doc.text[s:e][:120]))
        out += [EventMention(name=doc.text[s + m.start("name") : s + m.end("name")] + m["verb"],
                             event_type="启动仪式", evidence=doc.text[s:e][:120])
                for m in LAUNCHED.finditer(simple)]
        for m in CONTEST_STAGE.finditer(simple):
            if len(m.group("contest")) < 6 or m.group("contest")[0] in _ANAPHOR_STARTS:
                continue  # "本届大赛的决赛" names no contest
            clause_start = _clause(simple, m.start(), m.end())[0]
            clause = doc.text[s + clause_start : s + m.end()]
            out.append(EventMention(
                name=doc.text[s + m.start("contest") : s + m.end("contest")] + m.group("stage"),
                event_type="比赛",
                date=clause[: m.start() - clause_start] or None,
                evidence=clause[-120:],
            ))
    return out


# --------------------------------------------------------------------------- driver


def document_result(doc: Document, **fields: Any) -> DocumentExtraction:
    """A ``DocumentExtraction`` carrying the document's metadata plus ``fields``."""
    return DocumentExtraction(
        doc_id=doc.doc_id,
        path=doc.path,
        title=doc.title,
        published=doc.published,
        script=doc.script,
        content_hash=doc.content_hash,
        **fields,
    )


def window_budget(settings: Any) -> int:
    return int(settings.chunk_tokens * max(1, settings.window_chunks))


@dataclass
class ExtractionStats:
    windows: int = 0
    input_tokens: int = 0  # tokens of document text sent (tiktoken)
    failed_windows: int = 0


@dataclass(frozen=True)
class ItemKind:
    """One kind of item the model is asked for: the sentences that may hold it (by
    ``words``), its prompt, its response model and its output budget."""

    words: tuple[str, ...]
    prompt_name: str
    response_model: type[VerifiedAlliances] | type[VerifiedEvents]
    max_tokens: int


def _window_answers(
    llm: ChatModel, doc: Document, settings: Any, stats: ExtractionStats,
    kinds: tuple[ItemKind, ...], passages: list[tuple[int, int]], failures: list[str],
    pool: Executor | None = None,
) -> list[list[tuple[Window, Any]]]:
    """Per kind, the verified answer of each window of on-topic sentences that mention
    ``kind.words``, in document order. With a ``pool`` every call of every kind runs side
    by side (an endpoint serves several at once). A window whose every answer fails
    validation is added to ``failures`` and left out; an endpoint failure ends the
    document."""
    from agent.core.prompts import fence, load_prompt
    from agent.core.tokens import count_tokens
    from agent.extract.relevance import in_ranges

    calls: list[tuple[ItemKind, Window]] = []
    for kind in kinds:
        spans = [sp for sp in pick_sentences(doc, _has(kind.words)) if in_ranges(passages, *sp)]
        calls += [(kind, w) for w in pack_windows(doc, spans, window_budget(settings),
                                                   count_tokens)]

    def ask(call: tuple[ItemKind, Window]) -> Any:
        kind, window = call
        interrupt.check()
        prompt = load_prompt(kind.prompt_name)
        verifier = MentionVerifier(doc, window, reasks_left=min(1, settings.max_retries))
        try:
            return llm.structured(
                kind.response_model,
                prompt.render(document=fence(window.text)),
                prompt=prompt,
                max_tokens=kind.max_tokens,
                validation_context={"verifier": verifier},
            )
        except ModelOutputError as exc:  # this window's answer; the endpoint itself works
            return exc

    if pool is not None and len(calls) > 1:
        futures = [pool.submit(ask, call) for call in calls]
        try:
            answers = [f.result() for f in futures]
        finally:
            for f in futures:  # after a failure: the calls not yet started are not made
                f.cancel()
    else:
        answers = [ask(call) for call in calls]
    out: list[list[tuple[Window, Any]]] = [[] for _ in kinds]
    for (kind, window), found in zip(calls, answers, strict=True):
        stats.windows += 1
        stats.input_tokens += window.tokens
        if isinstance(found, ModelOutputError):
            stats.failed_windows += 1
            failures.append(f"{kind.prompt_name.removeprefix('extract_')} in characters "
                            f"{window.start}–{window.end}: {found}")
            continue
        out[kinds.index(kind)].append((window, found))
    return out


# Room for a long list: a window cut off at max_tokens is a failed window (seen on a seed
# report listing seven bodies with their members when the model ran on one thread).
ALLIANCES = ItemKind(ALLIANCE_WORDS, "extract_alliances", VerifiedAlliances, max_tokens=1000)
EVENTS = ItemKind(EVENT_WORDS, "extract_events", VerifiedEvents, max_tokens=1000)


def extract_document(
    llm: ChatModel, doc: Document, settings: Any, stats: ExtractionStats | None = None,
    pool: Executor | None = None,
) -> DocumentExtraction:
    """Verified events, alliances and targets of ``doc``; the model calls of its windows
    go through ``pool`` when one is given."""
    from agent.extract.merge import dedupe_within
    from agent.extract.policy import policy_events
    from agent.extract.relevance import in_ranges, passage_relevance
    from agent.extract.relevance_judge import model_judge

    stats = stats or ExtractionStats()
    # Only passages about the topic are read; an uncertain one is judged by the model.
    passages = passage_relevance(doc, model_judge(llm))
    dropped = 0
    failures: list[str] = []
    alliance_answers, event_answers = _window_answers(
        llm, doc, settings, stats, (ALLIANCES, EVENTS), passages, failures, pool)
    alliances: list[Alliance] = []
    for window, found in alliance_answers:
        dropped += found.dropped
        mentions = list(found.alliances)
        for m in found.alliances:  # the model may still lump a 、-list into one name
            parts = split_coordinated(clean_alliance_name(m.name))
            if len(parts) > 1:
                mentions += [AllianceMention(name=p, founded=m.founded) for p in parts]
        mentions += code_alliance_mentions(doc, window)
        alliances += [a for m in mentions if (a := finalise_alliance(doc, window, m))]
        alliances += [a for name in co_built_names(doc, window)
                      if (a := finalise_alliance(doc, window, AllianceMention(name=name),
                                                 co_built=True))]
    events: list[Event] = []
    for window, found in event_answers:
        dropped += found.dropped
        mentions_e = [*found.events, *code_event_mentions(doc, window)]
        events += [e for m in mentions_e if (e := finalise_event(doc, window, m))]
    events += policy_events(doc, passages)
    alliances = fold_agreements(alliances)
    sentences = split_sentences(doc.text)
    scopes = deadline_scopes(doc, sentences)
    targets = [
        t for s, e in sentences if in_ranges(passages, s, e)
        for t in targets_in_sentence(doc, s, e, scopes.get((s, e)))
    ]
    targets = drop_headline_repeats(targets)
    fields_across_sentences(doc, events, alliances, sentences)
    events += announced_foundings(doc, alliances, events)
    result = document_result(
        doc,
        events=dedupe_within(events),
        alliances=dedupe_within(alliances),
        targets=dedupe_within(targets),
        dropped=dropped,
        failed_windows=failures,
    )
    items: list[Event | Alliance | Target] = [*result.events, *result.alliances, *result.targets]
    for item in items:
        for ev in item.evidence:
            ev.page = doc.page_of(ev.start)
            shown = doc.shown_text(ev.start, ev.end)
            ev.text = shown if shown != ev.quote else None
    return result
