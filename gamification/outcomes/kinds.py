"""The activity event kinds the measures read, and how they group: the bit each kind sets in
`outcome_user_month.kinds`, which tool it belongs to, which kinds are interactions, and which
keep their `detail` as a category in `outcome_month_event`.

Bit numbers are stored: append new kinds, never reorder (a reorder needs a rebuild).
"""

KINDS = (
    "signed_up",
    "lesson_opened",
    "lesson_completed",
    "quiz_attempted",
    "voucher_redeemed",
    "voucher_consumed",
    "contest_joined",
    "order_placed",
    "post_published",
    "report_filed",
    "inbox_read",
    "nps_answered",
    "broker_account_opened",
    "broker_first_trade",
    "broker_tier_changed",
)

# Not interactions with the app: the sign-up itself and what the broker reports.
NOT_INTERACTIONS = (
    "signed_up",
    "broker_account_opened",
    "broker_first_trade",
    "broker_tier_changed",
)

# Kinds whose detail is a small category worth counting by (quiz passed/failed, voucher
# fee/yield, the NPS score, the asset tier); other details (ids) are dropped in the rollup.
CATEGORISED = (
    "quiz_attempted",
    "voucher_redeemed",
    "voucher_consumed",
    "nps_answered",
    "broker_tier_changed",
)

TOOLS: dict[str, tuple[str, ...]] = {
    "lessons": ("lesson_opened", "lesson_completed"),
    "quizzes": ("quiz_attempted",),
    "contests": ("contest_joined", "order_placed"),
    "community": ("post_published", "report_filed"),
    "vouchers": ("voucher_redeemed", "voucher_consumed"),
}


def bit(kind: str) -> int:
    return 1 << KINDS.index(kind)


def mask(kinds: tuple[str, ...]) -> int:
    total = 0
    for kind in kinds:
        total |= bit(kind)
    return total
