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


# --------------------------------------------------------------------------- drafts (LLM)


class EventDraft(BaseModel):
    name: str = Field(description="事件名称，如“中原经济区技工教育联盟成立大会”")
    event_type: str = Field(description="类型：会议/成立大会/启动仪式/签约/揭牌/活动周/比赛/其他")
    date: str | None = Field(default=None, description="原文中的日期，如“6月12日”")
    location: str | None = Field(default=None, description="举办地点")
    organizers: list[str] = Field(default_factory=list, description="主办单位")
    hosts: list[str] = Field(default_factory=list, description="承办/协办单位")
    participants: list[str] = Field(default_factory=list, description="出席或参加的单位/人员")
    summary: str = Field(default="", description="一句话概括")
    evidence: list[str] = Field(description="从原文逐字复制的句子片段")


class AllianceDraft(BaseModel):
    name: str = Field(description="联盟/共同体/联合体/职教集团/协议的全称")
    kind: str = Field(description="联盟/共同体/联合体/职教集团/协议/学院/其他")
    members: list[str] = Field(default_factory=list, description="成员单位")
    lead: str | None = Field(default=None, description="牵头单位")
    founded: str | None = Field(default=None, description="成立日期（原文）")
    purpose: str | None = Field(default=None, description="宗旨或目的")
    evidence: list[str] = Field(description="从原文逐字复制的句子片段")


class TargetDraft(BaseModel):
    description: str = Field(description="指标或目标的内容")
    metric: str = Field(description="计量对象，如“产教融合共同体数量”")
    amount: str = Field(description="原文中的数量短语，逐字复制，如“50余所”“3.19亿元”")
    deadline: str | None = Field(default=None, description="期限短语，如“到2025年”")
    baseline: str | None = Field(default=None, description="基数短语（如有）")
    owner: str | None = Field(default=None, description="责任主体")
    evidence: list[str] = Field(description="从原文逐字复制的句子片段")


class ExtractionDraft(BaseModel):
    events: list[EventDraft] = Field(default_factory=list)
    alliances: list[AllianceDraft] = Field(default_factory=list)
    targets: list[TargetDraft] = Field(default_factory=list)


# --------------------------------------------------------------------------- verified items


class Event(BaseModel):
    name: str
    event_type: str
    date: str | None = Field(default=None, description="ISO date or partial: 2023-06-12, 2023-06, --06-12")
    date_text: str | None = None
    location: str | None = None
    organizers: list[str] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    participants: list[str] = Field(default_factory=list)
    summary: str = ""
    evidence: list[Evidence]
    doc_ids: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)


class Alliance(BaseModel):
    name: str
    kind: AllianceKind = "其他"
    members: list[str] = Field(default_factory=list)
    lead: str | None = None
    founded: str | None = None
    purpose: str | None = None
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
    owner: str | None = None
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
    error: str | None = None


class MergedItems(BaseModel):
    events: list[Event] = Field(default_factory=list)
    alliances: list[Alliance] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)


# --------------------------------------------------------------------------- answers


class CitationDraft(BaseModel):
    source: int = Field(description="引用的资料编号 [n]")
    quote: str = Field(description="从该资料逐字复制的支持片段")


class ClaimDraft(BaseModel):
    text: str = Field(description="回答中的一个事实陈述")
    citations: list[CitationDraft]


class AnswerDraft(BaseModel):
    answerable: bool = Field(description="资料是否包含答案")
    answer: str
    claims: list[ClaimDraft] = Field(default_factory=list)


class Citation(BaseModel):
    doc_id: str
    path: str
    chunk_id: str
    quote: str
    start: int
    end: int
    title: str = ""


class Claim(BaseModel):
    text: str
    citations: list[Citation]


class Answer(BaseModel):
    question: str
    standalone_question: str | None = None
    answer: str
    answerable: bool
    claims: list[Claim] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    usage: dict[str, float] = Field(default_factory=dict)
