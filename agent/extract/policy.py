"""Policy documents issued as events, found by code: "X印发《…通知》", "X、Y等16部门联合
印发《…》", "X于元月3日印发关于…的通知". The issuer(s) become ``organizers``, the title
``document``; the date comes from the sentence (year from the publication date when the
text gives none). A statement about what a document says ("《通知》提出…") is not an
issuing act: a verb of issuing must stand between an issuer and the title. A notice that
launches a programme ("关于开展…征集活动的通知") also gives the programme as an event, run by
the bodies of a later credit line ("主办单位…承办单位…") or else the issuers, and dated where a
later sentence says when it starts."""

from __future__ import annotations

import re

from agent import lexicon
from agent.extract.event_fields import credit_line, listed_bodies
from agent.extract.evidence import range_evidence
from agent.extract.schemas import Event
from agent.ingest.chunking import split_sentences
from agent.ingest.documents import Document
from agent.text.dates import DATELINE
from agent.text.numbers import parse_dated

EVENT_TYPE = "发布文件"

_VERB = lexicon.alternation("policy", "verbs")
_ENDING = lexicon.alternation("policy", "title_endings")
_TIME = lexicon.alternation("policy", "time_words")
_DATE = r"(?:[0-9一二三四五六七八九十元]{1,3}月[0-9一二三四五六七八九十]{1,3}[日号])"

ISSUE_RE = re.compile(
    rf"(?P<issuer>[^，,。；;：:！？!?“”《》（）()]{{2,60}}?)"
    rf"(?:(?:于|在)?(?:{_DATE}|{_TIME}))*"
    rf"(?P<verb>{_VERB})了?"
    rf"(?:《(?P<quoted>[^《》]{{4,80}})》|(?P<bare>关于[^，,。；;《》]{{4,80}}(?:{_ENDING})))"
)
_PROGRAMME = re.compile(
    rf"^关于(?:{lexicon.alternation('policy', 'programme_verbs')})"
    rf"(?P<name>.{{4,60}}?(?:{lexicon.alternation('policy', 'programme_endings')}))"
    rf"的(?:{_ENDING})$"
)
_START = lexicon.alternation("policy", "programme_start_verbs")
_PROGRAMME_DATE = (r"(?:将|已)?(?:从|于|自)?(?P<date>[0-9]{4}年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?"
                   rf"|[0-9]{{1,2}}月(?:[0-9]{{1,2}}日)?)(?:起)?(?:{_START})")
_LEADING = re.compile(rf"^(?:{_TIME}|{_DATE}|为[^，,]*|据[^，,]*|[0-9]{{4}}年)+")
# A report's own dateline is not the date of the act: "新华社北京7月27日电（记者…）…近日印发".
_DATELINE = re.compile(rf"^.*?{DATELINE}\s*(?:[（(][^）)]*[）)])?")


def issuers(text: str) -> list[str]:
    """``中共山东省委组织部、山东省人社厅等16部门`` → the two named bodies."""
    return listed_bodies(_LEADING.sub("", text.strip()))


def policy_events(doc: Document, ranges: list[tuple[int, int]] | None = None) -> list[Event]:
    """Issuing acts in the sentences of ``doc`` (only inside ``ranges`` when given)."""
    from agent.extract.relevance import in_ranges

    out: list[Event] = []
    for s, e in split_sentences(doc.text):
        if ranges is not None and not in_ranges(ranges, s, e):
            continue
        sentence = doc.text[s:e]
        for m in ISSUE_RE.finditer(doc.search_text[s:e]):
            names = issuers(sentence[m.start("issuer") : m.end("issuer")])
            if not names:
                continue
            title_span = m.span("quoted") if m.group("quoted") else m.span("bare")
            title = sentence[title_span[0] : title_span[1]]
            date, inferred = parse_dated(_DATELINE.sub("", sentence[: m.start("verb")]),
                                         doc.reference_year)
            out.append(Event(
                name=f"{'、'.join(names)}{sentence[m.start('verb'):m.end('verb')]}《{title}》",
                event_type=EVENT_TYPE,
                date=date,
                date_inferred=inferred,
                organizers=names,
                document=title,
                evidence=[range_evidence(doc, s, e)],
                doc_ids=[doc.doc_id],
            ))
            title_form = doc.search_text[s + title_span[0] : s + title_span[1]]
            if programme := _PROGRAMME.match(title_form):
                start = title_span[0] + programme.start("name")
                out.append(programme_event(doc, s, e, start, start + len(programme["name"]),
                                           names))
    return out


def programme_event(doc: Document, s: int, e: int, a: int, b: int,
                    organizers: list[str]) -> Event:
    """The programme a notice launches (its name at ``[a, b)`` of sentence ``[s, e)``),
    dated by the first later sentence that writes its name before when it starts."""
    name = doc.text[s + a : s + b]
    starts = re.compile(re.escape(doc.search_text[s + a : s + b]) + _PROGRAMME_DATE)
    date, inferred = None, False
    for s2, e2 in split_sentences(doc.text):
        if s2 >= e and (m := starts.search(doc.search_text[s2:e2])):
            date, inferred = parse_dated(m["date"], doc.reference_year)
            break
    # A credit line further on names who runs it ("主办单位…承办单位…"); else the issuers.
    credits = credit_line(doc.text[e:], doc.search_text[e:])
    kind = "比赛" if re.search(r"(?:大赛|竞赛|比赛)$", name) else "其他"
    return Event(name=name, event_type=kind, date=date, date_inferred=inferred,
                 organizers=credits.organizers or organizers, hosts=credits.hosts,
                 evidence=[range_evidence(doc, s, e)], doc_ids=[doc.doc_id])
