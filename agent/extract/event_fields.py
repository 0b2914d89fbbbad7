"""An event's place, organisers and hosts as its sentence states them, read by code:
"由教育部、科技部主办，湖北省教育厅承办", "在湖南工业大学举行". Used when the model left
a field empty; every value is a slice of the sentence, in the document's own script."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent import lexicon


def _alt(key: str) -> str:
    return "|".join(sorted(lexicon.words("events", key), key=len, reverse=True))


_BODIES = r"[^，,。；;：:！？!?（）()“”]{2,80}?"
ORGANIZERS = re.compile(rf"由(?P<bodies>{_BODIES})(?:{_alt('organizer_verbs')})")
HOSTS = re.compile(rf"(?:^|[，,；;。、]|由)(?P<bodies>{_BODIES})(?:{_alt('host_verbs')})")
PLACE = re.compile(
    rf"(?:在|于)(?P<place>[^，,。；;：:！？!?“”在于]{{2,30}}?)(?:{_alt('held_verbs')})"
)
_SEPARATOR = re.compile(r"[、，,]|(?<=[局厅部委院校会府司])和")
_TRAILING_COUNT = re.compile(r"等[0-9一二三四五六七八九十多]*(?:个|家)?(?:部门|单位)?$")
_TIME_ONLY = re.compile(r"^[0-9一二三四五六七八九十月日号年上下午晚]+$")


@dataclass
class EventFields:
    location: str | None = None
    organizers: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


def _bodies(text: str, start: int, end: int) -> list[str]:
    """The bodies listed in ``text[start:end]`` (``A、B等部门`` → A, B)."""
    listed = _TRAILING_COUNT.sub("", text[start:end])
    out = []
    for part in _SEPARATOR.split(listed):
        part = part.strip()
        if len(part) >= 2 and part not in out:
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
        out.organizers = _bodies(text, m.start("bodies"), m.end("bodies"))
        hosts_from = m.end()
    if m := HOSTS.search(form, hosts_from):
        out.hosts = _bodies(text, m.start("bodies"), m.end("bodies"))
    return out
