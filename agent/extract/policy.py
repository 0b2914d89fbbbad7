"""Policy documents issued as events, found by code: "X印发《…通知》", "X、Y等16部门联合
印发《…》", "X于元月3日印发关于…的通知". The issuer(s) become ``organizers``, the title
``document``; the date comes from the sentence (year from the publication date when the
text gives none). A statement about what a document says ("《通知》提出…") is not an
issuing act: a verb of issuing must stand between an issuer and the title."""

from __future__ import annotations

import re

from agent import lexicon
from agent.extract.event_fields import listed_bodies
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
                                         doc.published_year)
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
    return out
