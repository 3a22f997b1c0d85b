"""Who may take a course: suitability (risk profile) first, then prerequisites.

The mainland suitability scale rates investors C1 (most conservative) to C5. A course asks for
a minimum profile; a learner who has not done the questionnaire counts as below C2, so they
may take C1 courses only.
"""

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

RISK_ASSESSMENT_REQUIRED = "risk-assessment-required"
RISK_PROFILE_TOO_LOW = "risk-profile-too-low"
PREREQUISITES_INCOMPLETE = "prerequisites-incomplete"


@dataclass(frozen=True)
class CourseLock:
    """Why a course is locked: a reason `code` and the facts its message names (the message
    itself is the catalogue's `course-locked.<code>`, in the reader's locale)."""

    code: str
    required_risk_profile: str | None = None
    risk_profile: str | None = None
    missing_prerequisites: tuple[str, ...] = ()


def risk_rank(profile: str | None) -> int:
    """C1 -> 1 ... C5 -> 5; no assessment ranks as 1 (it may take C1 courses)."""
    if profile is None:
        return 1
    return int(profile.removeprefix("C"))


def course_lock(
    *,
    min_risk_profile: str,
    prerequisites: Sequence[str],
    risk_profile: str | None,
    completed_courses: AbstractSet[str],
) -> CourseLock | None:
    """Why the learner may not take the course, or None when they may."""
    if risk_rank(risk_profile) < risk_rank(min_risk_profile):
        if risk_profile is None:
            return CourseLock(RISK_ASSESSMENT_REQUIRED, required_risk_profile=min_risk_profile)
        return CourseLock(
            RISK_PROFILE_TOO_LOW, required_risk_profile=min_risk_profile, risk_profile=risk_profile
        )
    missing = tuple(slug for slug in prerequisites if slug not in completed_courses)
    if missing:
        return CourseLock(PREREQUISITES_INCOMPLETE, missing_prerequisites=missing)
    return None
