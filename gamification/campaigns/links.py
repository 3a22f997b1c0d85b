"""Deep links a message carries into the app: a lesson, a course, a contest or a voucher
product, stored as `kind:id` and shown as `{kind, id}`."""

import re
from dataclasses import dataclass

LINK_KINDS = ("lesson", "course", "contest", "voucher_product")
_TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # a UUID or a slug


@dataclass(frozen=True)
class DeepLink:
    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def link_problem(kind: str, target: str) -> str | None:
    """Why `kind`/`target` is not a deep link, or None."""
    if kind not in LINK_KINDS:
        return f"kind must be one of {', '.join(LINK_KINDS)}"
    if not _TARGET.match(target):
        return "id must be a UUID or a slug of at most 64 characters"
    return None


def parse_link(stored: str) -> DeepLink:
    """A stored `kind:id`; ValueError when it is not one."""
    kind, _, target = stored.partition(":")
    problem = link_problem(kind, target)
    if problem is not None:
        raise ValueError(f"not a deep link ({problem}): {stored!r}")
    return DeepLink(kind, target)
