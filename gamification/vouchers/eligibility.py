"""Who may redeem a product, and why not. Pure: the caller gathers the facts.

Suitability first (the mainland rule: a Cn investor may buy products up to Rn, so product
level R must be at most the investor's C), then the lifecycle stages the product is meant for,
then a course that must be completed first. The sale window is checked before all of them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.messages import joined

NOT_ON_SALE = "not-on-sale"
RISK_ASSESSMENT_REQUIRED = "risk-assessment-required"
RISK_PROFILE_TOO_LOW = "risk-profile-too-low"
LIFECYCLE_STAGE = "lifecycle-stage-not-eligible"
COURSE_REQUIRED = "course-required"

LIFECYCLE_STAGES = ("new", "growing", "mature")


@dataclass(frozen=True)
class Ineligible:
    """Why not: a stable `reason` (one of the codes above), and the catalogue message that
    explains it (`not-eligible.<...>`) with its named parameters."""

    reason: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


def sale_window_problem(
    starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> Ineligible | None:
    if starts_at is not None and now < starts_at:
        return Ineligible(
            NOT_ON_SALE, "not-eligible.not-on-sale-yet", {"starts_at": starts_at.isoformat()}
        )
    if ends_at is not None and now >= ends_at:
        return Ineligible(NOT_ON_SALE, "not-eligible.not-on-sale")
    return None


def level_rank(level: str) -> int:
    """R3 -> 3, C3 -> 3."""
    return int(level[1:])


def profile_problem(
    *,
    product_risk_level: str | None,
    lifecycle_stages: Sequence[str],
    risk_profile: str | None,
    lifecycle_stage: str,
) -> Ineligible | None:
    """Suitability and lifecycle; None when both allow the learner."""
    if product_risk_level is not None:
        level = {"product_risk_level": product_risk_level, "risk_profile": risk_profile}
        if risk_profile is None:
            return Ineligible(RISK_ASSESSMENT_REQUIRED, _message(RISK_ASSESSMENT_REQUIRED), level)
        if level_rank(product_risk_level) > level_rank(risk_profile):
            return Ineligible(RISK_PROFILE_TOO_LOW, _message(RISK_PROFILE_TOO_LOW), level)
    if lifecycle_stages and lifecycle_stage not in lifecycle_stages:
        stages = joined([f"lifecycle-stage.{stage}" for stage in lifecycle_stages])
        return Ineligible(LIFECYCLE_STAGE, _message(LIFECYCLE_STAGE), {"stages": stages})
    return None


def course_problem(required_course_slug: str, course_title: str) -> Ineligible:
    """The required course is not completed yet."""
    return Ineligible(
        COURSE_REQUIRED,
        _message(COURSE_REQUIRED),
        {"course": course_title, "course_slug": required_course_slug},
    )


def _message(reason: str) -> str:
    return f"not-eligible.{reason}"
