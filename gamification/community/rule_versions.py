"""The compliance rules as versioned data: every change is a new `community_rule_set` row,
checked as a whole before it is stored (a bad set is refused and the live one stays), and the
highest version is the live one on every replica (see `CommunityRuleSet`)."""

import functools
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from gamification.community.errors import InvalidRuleSet
from gamification.community.models import CommunityRuleSet
from gamification.community.screening import (
    RuleFileError,
    RuleSet,
    parse_rule_set,
    read_rule_document,
)

SOURCES = ("api", "file")


@dataclass(frozen=True)
class RuleVersion:
    version: int | None  # None: the rules file, before any version was stored
    document: Mapping[str, Any]
    rules: RuleSet
    source: str
    created_at: datetime | None


def compiled(
    document: Any, *, version: int | None, source: str, at: datetime | None
) -> RuleVersion:
    """The version with its rules compiled; RuleFileError lists every problem of a bad one."""
    return RuleVersion(version, document, parse_rule_set(document), source, at)


@functools.cache
def file_rule_version(path: Path) -> RuleVersion:
    """The rules file as a version not (yet) stored: what a process screens with until it has
    read the stored versions, and all it has while none is. Read once per process."""
    return compiled(read_rule_document(path), version=None, source="file", at=None)


_LATEST = """
    SELECT version, document::text AS document, source, created_at FROM community_rule_set
    WHERE version > $1 ORDER BY version DESC LIMIT 1"""


async def newer_rule_version(
    connection: asyncpg.Connection, than: int | None
) -> RuleVersion | None:
    """The highest stored version above `than`, compiled; None when there is none. Read on a
    plain driver connection (the listener's own). A stored version was checked when it was
    written; one that no longer compiles (a detector since taken out of the code) raises
    RuleFileError, and the caller keeps what it has."""
    row = await connection.fetchrow(_LATEST, than or 0)
    if row is None:
        return None
    document = json.loads(row["document"])
    return compiled(document, version=row["version"], source=row["source"], at=row["created_at"])


async def store_rule_version(
    db: AsyncSession,
    document: Any,
    *,
    source: str,
    created_by: uuid.UUID | None,
    now: datetime,
) -> RuleVersion:
    """Check the document as a whole (InvalidRuleSet naming every problem: nothing stored),
    then store it as the next version; every replica hears of it when the transaction
    commits."""
    try:
        checked = compiled(document, version=None, source=source, at=now)
    except RuleFileError as exc:
        raise InvalidRuleSet([_field_and_message(problem) for problem in exc.problems]) from exc
    row = CommunityRuleSet(document=document, source=source, created_by=created_by, created_at=now)
    db.add(row)
    await db.flush()
    assert row.version is not None
    return RuleVersion(row.version, document, checked.rules, source, now)


def _field_and_message(problem: str) -> tuple[str, str]:
    """`rules[3].patterns.en[0]: not a valid regular expression` names its place; a problem of
    the whole document (`needs labels: and a rules: list`) is the body's."""
    place, separator, message = problem.partition(": ")
    if separator and place and " " not in place:
        return place, message
    return "body", problem


__all__ = [
    "SOURCES",
    "RuleFileError",
    "RuleVersion",
    "compiled",
    "file_rule_version",
    "newer_rule_version",
    "store_rule_version",
]
