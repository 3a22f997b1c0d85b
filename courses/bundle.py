"""The course-bundle format (format 1): one YAML document per course and locale.

The models here are the single source of the format: they validate a locale document and
produce the JSON Schema that `investquest courses schema` prints. Rules that span several
documents (unique slugs, prerequisites, locales agreeing on structure) live in
`courses.validation`.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from courses.checks import MAX_EXPR_LENGTH, VALUE_PATTERN, check_problem, value_in_text
from courses.text import markup_problem

FORMAT_VERSION = 1
ORIGINAL_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")
RISK_PROFILES = ("C1", "C2", "C3", "C4", "C5")
LEVELS = ("beginner", "intermediate", "advanced")
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)

Locale = Literal["zh-CN", "en"]
Level = Literal["beginner", "intermediate", "advanced"]
RiskProfile = Literal["C1", "C2", "C3", "C4", "C5"]
CardKind = Literal["text", "callout", "example", "disclaimer", "takeaway"]
QuestionKind = Literal["single", "multiple", "true_false"]

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)]
ChoiceId = Annotated[str, Field(min_length=1, max_length=32, pattern=SLUG_PATTERN)]


def _text(max_length: int, description: str) -> Any:
    return Field(min_length=1, max_length=max_length, description=description)


class _Node(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        """Every human text is plain text or markdown: no HTML, no scripts, no control chars."""
        if isinstance(value, str) and info.field_name in _HUMAN_TEXT_FIELDS:
            if not value.strip():
                raise ValueError("must not be blank")
            problem = markup_problem(value)
            if problem:
                raise ValueError(problem)
        return value


_HUMAN_TEXT_FIELDS = frozenset({"title", "summary", "body", "prompt", "text", "explanation"})


class Choice(_Node):
    id: ChoiceId = Field(
        description="Unique in the question; true/false questions use ids `true` and `false`."
    )
    text: str = _text(300, "The answer as the learner sees it.")
    correct: bool = Field(description="Whether choosing it is right.")


class Question(_Node):
    id: Slug = Field(description="Unique in the course and the same in every locale.")
    kind: QuestionKind
    prompt: str = _text(500, "The question (markdown, plain text only).")
    choices: list[Choice] = Field(min_length=2, max_length=6)
    explanation: str = _text(
        1000,
        "Shown after answering; teaches why, including why the tempting wrong answer is wrong.",
    )

    @field_validator("choices", mode="after")
    @classmethod
    def _choices_fit_the_kind(cls, choices: list[Choice], info: ValidationInfo) -> list[Choice]:
        ids = [choice.id for choice in choices]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate choice id {', '.join(duplicates)}")
        kind = info.data.get("kind")
        correct = sum(choice.correct for choice in choices)
        if correct == 0:
            raise ValueError("no choice is marked correct")
        if kind in ("single", "true_false") and correct > 1:
            raise ValueError(f"{correct} choices are marked correct; a {kind} question has one")
        if kind == "true_false" and sorted(ids) != ["false", "true"]:
            raise ValueError("a true_false question has exactly two choices, `true` and `false`")
        return choices


class Quiz(_Node):
    pass_score: int = Field(ge=1, le=100, description="Percent of questions to answer right.")
    questions: list[Question] = Field(min_length=1, max_length=10)


class Check(_Node):
    """A worked example's arithmetic, recomputed at import (see `courses.checks`)."""

    expr: str = Field(
        min_length=1,
        max_length=MAX_EXPR_LENGTH,
        description="Arithmetic only: decimal numbers, + - * / **, parentheses, unary minus.",
    )
    value: str = Field(
        pattern=VALUE_PATTERN,
        max_length=32,
        description="The result as the card writes it, quoted, without separators or ¥; "
        "`expr` rounded to its decimals must equal it.",
    )

    @model_validator(mode="after")
    def _expr_gives_value(self) -> "Check":
        problem = check_problem(self.expr, self.value)
        if problem:
            raise ValueError(problem)
        return self


class Card(_Node):
    kind: CardKind = Field(description="text | callout | example | disclaimer | takeaway")
    body: str = _text(2000, "Markdown, plain text only (no HTML).")
    checks: list[Check] = Field(
        default_factory=list,
        max_length=20,
        description="`example` cards only: the arithmetic behind the figures in the body.",
    )

    @model_validator(mode="after")
    def _checks_fit_the_card(self) -> "Card":
        if self.checks and self.kind != "example":
            raise ValueError("only an example card carries checks")
        missing = [
            f"checks[{i}]: {check.value} is not written in the body"
            for i, check in enumerate(self.checks)
            if not value_in_text(check.value, self.body)
        ]
        if missing:
            raise ValueError("; ".join(missing))
        return self


class Lesson(_Node):
    slug: Slug = Field(description="Unique in the course and the same in every locale.")
    title: str = _text(120, "Says the idea, not the topic.")
    est_minutes: int = Field(ge=1, le=15, description="Estimated reading minutes.")
    open_to_all: bool = Field(
        default=False,
        description="Every learner may read it and take its quiz, whatever the course's "
        "min_risk_profile and prerequisites (education about a risk, not practice in it).",
    )
    cards: list[Card] = Field(min_length=3, max_length=8)
    quiz: Quiz


class LocaleFile(_Node):
    """One course in one locale: `seed/courses/<slug>/<locale>.yaml`."""

    model_config = ConfigDict(
        title="InvestQuest course bundle, one locale (format 1)",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    format: Literal[1] = Field(description="The bundle format version.")
    slug: Slug = Field(description="The course slug: lowercase letters, digits, hyphens.")
    locale: Locale = Field(description="Must match the file name.")
    title: str = _text(120, "The course title.")
    summary: str = _text(500, "One or two sentences for the catalogue.")
    level: Level
    tags: list[Annotated[str, Field(min_length=1, max_length=32, pattern=SLUG_PATTERN)]] = Field(
        default_factory=list, max_length=10
    )
    min_risk_profile: RiskProfile = Field(
        description="The lowest investor risk profile (C1..C5) allowed to take the course."
    )
    prerequisites: list[Slug] = Field(
        default_factory=list, max_length=10, description="Courses to complete first."
    )
    lessons: list[Lesson] = Field(min_length=1, max_length=40)


def locale_file_schema() -> dict[str, Any]:
    """The JSON Schema of one locale document."""
    return LocaleFile.model_json_schema()
