"""The `investquest` group: every command's failure becomes one `Error:` line and exit code 1.

Refusals (domain errors, API problems), bad settings and an unreachable database are mapped
here, once, so commands raise them freely. Anything else is a bug: one line too, and its
traceback goes to the log at DEBUG (`LOG_LEVEL=DEBUG`), never to an operator's terminal.
"""

import logging
from collections.abc import Iterable
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from api.cli.runtime import DatabaseUnreachable
from api.problems import ProblemError
from api.settings import SettingsError
from core.errors import DomainError

logger = logging.getLogger(__name__)

_CLICK_OWN = (click.ClickException, click.exceptions.Exit, click.exceptions.Abort)
UNDEFINED_TABLE = "42P01"


class OperatorGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _CLICK_OWN:
            raise
        except Exception as exc:
            raise click.ClickException(one_line(exc)) from None


def one_line(exc: Exception) -> str:
    """What an operator reads for a failed command."""
    if isinstance(exc, DomainError):
        return _with_fields(exc.detail, exc.errors or ())
    if isinstance(exc, ProblemError):
        errors = [(e["field"], e["message"]) for e in exc.errors or []]
        return _with_fields(str(exc.detail), errors)
    if isinstance(exc, SettingsError | DatabaseUnreachable):
        return str(exc)
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == UNDEFINED_TABLE:
        return "this database has no InvestQuest schema yet: run `investquest db upgrade`"
    logger.debug("command failed", exc_info=exc)
    return (
        f"the command failed unexpectedly ({type(exc).__name__}); "
        "run it again with LOG_LEVEL=DEBUG to see the details"
    )


def _with_fields(detail: str, errors: Iterable[tuple[str, str]]) -> str:
    fields = "; ".join(f"{field}: {message}" for field, message in errors)
    return f"{detail} ({fields})" if fields else detail
