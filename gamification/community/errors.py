"""Community errors, each with the stable code the API turns into a problem `type`."""

from core.errors import DomainError, ErrorKind
from gamification.community.screening import ModerationRule


class PostNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "post-not-found"


class CommentNotFound(DomainError):
    code = "not-found"
    kind = ErrorKind.NOT_FOUND
    message = "comment-not-found"


class Blocked(DomainError):
    """A compliance rule refuses the text: the detail is the rule's own message, and the
    problem names the rule (`rule_id`) so the app can react to it."""

    code = "content-blocked"
    kind = ErrorKind.INVALID

    def __init__(self, rule: ModerationRule) -> None:
        self.rule = rule
        super().__init__(rule_id=rule.id)

    def detail_in(self, locale: str) -> str:
        return self.rule.message[locale]

    def problem_fields(self) -> dict[str, object]:
        return {"rule_id": self.rule.id, "rule_class": self.rule.rule_class}


class InvalidContent(DomainError):
    """Fields that break a rule (an empty body, a control character, an unknown symbol);
    `errors` names each, for a 422 problem."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "community-content-not-valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors=tuple(errors))


class InvalidRuleSet(DomainError):
    """A rule set that cannot be stored: `errors` names each problem by its place in the
    document (`rules[3].patterns.en[0]`), for a 422 problem; the live rules stay."""

    code = "validation-error"
    kind = ErrorKind.INVALID
    message = "moderation-rules-not-valid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors=tuple(errors))


class OwnPostReport(DomainError):
    code = "own-post-report"
    kind = ErrorKind.INVALID


class AlreadyReported(DomainError):
    code = "already-reported"
    kind = ErrorKind.CONFLICT


class ModerationClosed(DomainError):
    """A removed post or comment stays removed: its author or a moderator took it down."""

    code = "moderation-closed"
    kind = ErrorKind.CONFLICT


class PostingRateLimited(DomainError):
    code = "rate-limited"
    kind = ErrorKind.TOO_MANY
    message = "too-many-posts"


class CommentingRateLimited(DomainError):
    code = "rate-limited"
    kind = ErrorKind.TOO_MANY
    message = "too-many-comments"
