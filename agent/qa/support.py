"""The model's word on whether a cited sentence answers the question, where code cannot
decide (one short constrained call).

Code checks what it can read off the text (:meth:`agent.qa.question.QuestionSpec.unmet`):
a count needs a number in the asked unit, a when-question a date, a role question the
role verb, an office question the office tied to its organisation. A reason, a list or a
name has no such anchor, and “什么名次” only a weak one (any award word), so the model is
still asked: the small model often cites a sentence that
only shares the question's topic (“延边大学副校长张学武主持签字仪式” for “副校长怎么评价
这次合作”). For those questions the model is asked what the cited sentences are to the
question, as a choice among three named relations: measured on the development questions,
the small model answers a plain yes/no “supported?” with yes for 15 of 20 wrong answers,
and the named choice catches the ones that do not answer at all (see the closing note of
issue 12 for the figures).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agent.llm.base import ChatModel
from agent.qa.question import QuestionSpec

Relation = Literal["回答了问题", "说的是别的", "没有回答"]
SUPPORTED: frozenset[str] = frozenset({"回答了问题"})

MAX_CITED_CHARS = 400
"""The cited sentences sent (a longer cited text is cut; its start holds the quote)."""


class SupportVerdict(BaseModel):
    """What the cited sentences are to the question."""

    relation: Relation


def code_decides(spec: QuestionSpec) -> bool:
    """Whether code's own checks settle that an answer states what was asked: a count, a
    quantity in a unit, a date, a role verb or an office each need an anchor in the quote
    that :meth:`QuestionSpec.unmet` verifies. Not a measure: “参加失业保险一年以上” is a
    quantity of time, but not of “证书下来后多久内要申请”."""
    if spec.measure:
        return False
    return bool(spec.count or spec.units or spec.when or spec.day or spec.roles
                or spec.office or spec.yes_no)


def supports(llm: ChatModel, question: str, cited: str) -> bool:
    """Whether the model reads ``cited`` (the whole sentences an answer quotes) as
    answering ``question``."""
    from agent.core.prompts import fence, load_prompt

    prompt = load_prompt("support")
    verdict = llm.structured(
        SupportVerdict,
        prompt.render(source=fence(cited[:MAX_CITED_CHARS], "source"), question=question),
        prompt=prompt,
        max_tokens=24,
    )
    return verdict.relation in SUPPORTED
