"""Pydantic models for extraction and answers.

Two layers:
* ``*Draft`` models are what the LLM fills in (small, flat, quotes as plain strings),
  validated by instructor; evidence quotes are checked by code against the document.
* Final models carry verified ``Evidence`` (exact original offsets) and values parsed by
  code (numbers, units, dates), never taken from the model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AllianceKind = Literal["联盟", "共同体", "联合体", "职教集团", "协议", "学院", "其他"]


class Evidence(BaseModel):
    doc_id: str
    quote: str = Field(description="exact slice original[start:end]")
    start: int
    end: int
    page: int | None = Field(default=None, description="1-based page of a PDF source")
    text: str | None = Field(default=None, description="the span as shown to a reader (cleaned: "
                             "no pinyin glue or bylines); None when it equals the quote")

    @property
    def shown(self) -> str:
        return self.text or self.quote


# --------------------------------------------------------------------------- drafts (LLM)


class EventMention(BaseModel):
    name: str = Field(max_length=60, description="活动名称，如“全省职业院校技能大赛”")
    event_type: str = Field(description="会议/成立大会/启动仪式/签约/揭牌/活动周/比赛/其他")
    date: str | None = Field(default=None, description="原文中的日期，如“8月1日”")
    location: str | None = Field(default=None, max_length=40, description="举办地点")
    organizers: list[str] = Field(default_factory=list, max_length=12, description="主办单位")
    hosts: list[str] = Field(default_factory=list, max_length=6, description="承办单位")
    evidence: str = Field(max_length=120, description="从原文逐字复制的一句话（写明该活动的句子）")


class EventMentions(BaseModel):
    # Array/string bounds become grammar limits: they stop a small model from looping.
    events: list[EventMention] = Field(default_factory=list, max_length=6)


class AllianceMention(BaseModel):
    name: str = Field(max_length=60, description="联盟/共同体/联合体/职教集团/协议的全称，逐字复制")
    lead: str | None = Field(default=None, max_length=40, description="牵头单位")
    members: list[str] = Field(default_factory=list, max_length=12, description="成员单位")
    founded: str | None = Field(default=None, description="成立日期（原文）")


class AllianceMentions(BaseModel):
    alliances: list[AllianceMention] = Field(default_factory=list, max_length=6)


# --------------------------------------------------------------------------- verified items


class Event(BaseModel):
    name: str
    event_type: str
    date: str | None = Field(
        default=None, description="ISO date or partial: 2023-06-12, 2023-06, --06-12"
    )
    date_text: str | None = None
    date_inferred: bool = Field(
        default=False,
        description="the event's sentence gives no year: it is the report's publication year, "
                    "else the year the report's text names most often")
    location: str | None = None
    organizers: list[str] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    document: str | None = Field(default=None, description="发布文件: the document's title")
    evidence: list[Evidence]
    doc_ids: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)


class Alliance(BaseModel):
    name: str
    kind: AllianceKind = "其他"
    members: list[str] = Field(default_factory=list)
    lead: str | None = None
    founded: str | None = None
    evidence: list[Evidence]
    doc_ids: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)


class Target(BaseModel):
    description: str
    metric: str
    value: float
    unit: str | None = None
    qualifier: str | None = Field(default=None, description="余/近/多/不低于/超过/约…")
    amount_text: str
    deadline_year: int | None = None
    baseline: float | None = None
    status: Literal["goal", "reported"] = "reported"
    evidence: list[Evidence]
    doc_ids: list[str] = Field(default_factory=list)


class DocumentExtraction(BaseModel):
    doc_id: str
    path: str
    title: str = ""
    published: str | None = None
    script: str = "unknown"
    content_hash: str = ""
    events: list[Event] = Field(default_factory=list)
    alliances: list[Alliance] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    dropped: int = Field(default=0, description="items whose evidence never verified")
    failed_windows: list[str] = Field(
        default_factory=list,
        description="windows whose every model answer failed validation: what was lost")
    error: str | None = None


class MergedItems(BaseModel):
    events: list[Event] = Field(default_factory=list)
    alliances: list[Alliance] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
