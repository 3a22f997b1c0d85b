"""Who may redeem a product, and why not. Pure: the caller gathers the facts.

Suitability first (the mainland rule: a Cn investor may buy products up to Rn, so product
level R must be at most the investor's C), then the lifecycle stages the product is meant for,
then a course that must be completed first. The sale window is checked before all of them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

NOT_ON_SALE = "not-on-sale"
RISK_ASSESSMENT_REQUIRED = "risk-assessment-required"
RISK_PROFILE_TOO_LOW = "risk-profile-too-low"
LIFECYCLE_STAGE = "lifecycle-stage-not-eligible"
COURSE_REQUIRED = "course-required"

LIFECYCLE_STAGES = ("new", "growing", "mature")


@dataclass(frozen=True)
class Ineligible:
    reason: str  # one of the codes above
    message: str


def on_sale(starts_at: datetime | None, ends_at: datetime | None, now: datetime) -> bool:
    return (starts_at is None or starts_at <= now) and (ends_at is None or now < ends_at)


def sale_window_problem(
    starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> Ineligible | None:
    if starts_at is not None and now < starts_at:
        return Ineligible(NOT_ON_SALE, f"This voucher goes on sale at {starts_at.isoformat()}.")
    if ends_at is not None and now >= ends_at:
        return Ineligible(NOT_ON_SALE, "This voucher is no longer on sale.")
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
        if risk_profile is None:
            return Ineligible(
                RISK_ASSESSMENT_REQUIRED,
                f"This voucher is for a product rated {product_risk_level}; "
                "complete the risk assessment first.",
            )
        if level_rank(product_risk_level) > level_rank(risk_profile):
            return Ineligible(
                RISK_PROFILE_TOO_LOW,
                f"This voucher is for a product rated {product_risk_level}, above your "
                f"risk profile {risk_profile}.",
            )
    if lifecycle_stages and lifecycle_stage not in lifecycle_stages:
        return Ineligible(
            LIFECYCLE_STAGE,
            f"This voucher is for {' and '.join(lifecycle_stages)} clients.",
        )
    return None


def course_problem(required_course_slug: str | None, completed: bool) -> Ineligible | None:
    if required_course_slug is not None and not completed:
        return Ineligible(COURSE_REQUIRED, f"Complete the course `{required_course_slug}` first.")
    return None
