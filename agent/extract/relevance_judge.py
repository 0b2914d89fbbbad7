"""The model's word on an uncertain passage (one short constrained call): is it about
vocational education, skills or industry–education cooperation? See
:mod:`agent.extract.relevance` for when code asks."""

from __future__ import annotations

from pydantic import BaseModel

from agent.extract.relevance import Judge
from agent.llm.base import ChatModel

MAX_PASSAGE_CHARS = 400
"""The passage's first characters sent (its lead says what it is about)."""


class TopicVerdict(BaseModel):
    about_topic: bool


def model_judge(llm: ChatModel) -> Judge:
    from agent.core.prompts import fence, load_prompt

    prompt = load_prompt("relevance")

    def judge(passage: str) -> bool:
        verdict = llm.structured(
            TopicVerdict,
            prompt.render(document=fence(passage[:MAX_PASSAGE_CHARS])),
            prompt=prompt,
            max_tokens=16,
        )
        return verdict.about_topic

    return judge
