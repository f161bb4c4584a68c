"""The LLM engine's rephrase step: the open question in other words, same meaning, no hints."""

from __future__ import annotations

from pydantic import Field, field_validator

from interviews.agents.base import PlannedQuestion
from interviews.agents.llm_calls import OutputInvalid, data_block
from interviews.agents.schemas import MAX_QUESTION_CHARS, _Reply, _stripped


class Rephrasing(_Reply):
    text: str = Field(description="The question in new words: same meaning, same language, no hints.")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _stripped(value, "text", max_chars=MAX_QUESTION_CHARS)


def rephrase_prompt(question: PlannedQuestion, asked: str, attempt: int) -> str:
    return data_block(
        "question",
        {
            "skill": question.skill,
            "kind": question.kind,
            "asked": asked,
            "rephrasing_number": attempt,
        },
    )


def finish_rephrasing(reply: Rephrasing, asked: str) -> str:
    """The new wording, refused (one repair) when it is the old one again."""
    if " ".join(reply.text.lower().split()) == " ".join(asked.lower().split()):
        raise OutputInvalid("text: the rephrasing must use other words than the question as asked")
    return reply.text
