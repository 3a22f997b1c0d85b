"""Investor suitability: the questionnaire under seed/, its scoring into C1..C5, and history.

A profile counts for `validity_years` after the assessment; after that the investor is treated
as unassessed until they take it again.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.errors import InvalidAssessment
from api.accounts.models import RiskAssessment, UserAccount

QUESTIONNAIRE_FILE = Path(__file__).resolve().parents[2] / "seed" / "risk_assessment.yaml"
DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class Choice:
    id: str
    text: dict[str, str]
    points: int
    max_profile: str | None


@dataclass(frozen=True)
class Question:
    id: str
    prompt: dict[str, str]
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Questionnaire:
    version: int
    validity_years: int
    thresholds: tuple[tuple[str, int], ...]  # (profile, lowest score), ascending
    questions: tuple[Question, ...]

    def score(self, answers: dict[str, str]) -> tuple[int, str]:
        """Total points and the profile they earn, capped by any capping answer."""
        chosen = [self._choice(question, answers[question.id]) for question in self.questions]
        total = sum(choice.points for choice in chosen)
        profile = max(p for p, lowest in self.thresholds if total >= lowest)
        caps = [choice.max_profile for choice in chosen if choice.max_profile]
        return total, min([profile, *caps])

    @staticmethod
    def _choice(question: Question, choice_id: str) -> Choice:
        return next(choice for choice in question.choices if choice.id == choice_id)


@functools.cache
def load_questionnaire(path: Path = QUESTIONNAIRE_FILE) -> Questionnaire:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Questionnaire(
        version=int(raw["version"]),
        validity_years=int(raw["validity_years"]),
        thresholds=tuple((t["profile"], int(t["min_score"])) for t in raw["profiles"]),
        questions=tuple(
            Question(
                id=q["id"],
                prompt=q["prompt"],
                choices=tuple(
                    Choice(c["id"], c["text"], int(c["points"]), c.get("max_profile"))
                    for c in q["choices"]
                ),
            )
            for q in raw["questions"]
        ),
    )


def check_answers(questionnaire: Questionnaire, answers: dict[str, str]) -> None:
    """Every question answered once with one of its choices, and nothing else."""
    errors: list[tuple[str, str]] = []
    known = {q.id: {c.id for c in q.choices} for q in questionnaire.questions}
    for question_id, choices in known.items():
        if question_id not in answers:
            errors.append((f"answers.{question_id}", "not answered"))
        elif answers[question_id] not in choices:
            errors.append((f"answers.{question_id}", "unknown choice"))
    errors += [
        (f"answers.{unknown}", "unknown question") for unknown in answers if unknown not in known
    ]
    if errors:
        raise InvalidAssessment(tuple(errors))


async def record_assessment(
    db: AsyncSession, account: UserAccount, answers: dict[str, str], *, now: datetime
) -> RiskAssessment:
    questionnaire = load_questionnaire()
    check_answers(questionnaire, answers)
    score, profile = questionnaire.score(answers)
    assessment = RiskAssessment(
        user_id=account.id,
        answers=answers,
        score=score,
        risk_profile=profile,
        questionnaire_version=questionnaire.version,
        assessed_at=now,
        expires_at=assessment_expiry(now),
    )
    db.add(assessment)
    account.risk_profile, account.risk_assessed_at = profile, now
    db.add(account)
    return assessment


def effective_risk_profile(account: UserAccount, now: datetime) -> str | None:
    """The profile in force: None if never assessed or the assessment has expired."""
    if account.risk_profile is None or account.risk_assessed_at is None:
        return None
    if now >= assessment_expiry(account.risk_assessed_at):
        return None
    return account.risk_profile


def assessment_expiry(assessed_at: datetime) -> datetime:
    return assessed_at + timedelta(days=load_questionnaire().validity_years * DAYS_PER_YEAR)
