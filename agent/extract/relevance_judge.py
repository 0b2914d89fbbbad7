"""The model's word on an uncertain passage (one short constrained call): what is it
mainly about? Kept when that is vocational education and skills. See
:mod:`agent.extract.relevance` for when code asks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agent.extract.relevance import Judge
from agent.llm.base import ChatModel

Category = Literal[
    "职业教育与技能", "学校与高校", "灾害与安全", "经济与产业", "文化体育", "科技研究", "党政与社会"
]
ON_TOPIC: frozenset[str] = frozenset({"职业教育与技能"})

MAX_PASSAGE_CHARS = 400
"""The passage's first characters sent (its lead says what it is about)."""


class TopicVerdict(BaseModel):
    """The passage's main subject among a few news categories: a choice among named
    alternatives, which the small model makes far better than a yes/no that it answers
    "yes" to almost always (measured: 18 of 19 off-topic passages accepted)."""

    category: Category


def model_judge(llm: ChatModel) -> Judge:
    from agent.core.prompts import fence, load_prompt

    prompt = load_prompt("relevance")

    def judge(passage: str) -> bool:
        verdict = llm.structured(
            TopicVerdict,
            prompt.render(document=fence(passage[:MAX_PASSAGE_CHARS])),
            prompt=prompt,
            max_tokens=24,
        )
        return verdict.category in ON_TOPIC

    return judge
