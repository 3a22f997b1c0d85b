"""What each area's `privacy.py` builds on: the shape of a personal-data section.

`api/privacy.py` composes the sections; an area describes only its own tables.
"""

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Export = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
Erase = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[None]]


@dataclass(frozen=True)
class PersonalDataSection:
    """One area's part of an export; `erase` is None when the area keeps its rows as they are
    (they name the user only by id, so erasing the account makes them anonymous)."""

    name: str
    export: Export
    erase: Erase | None


def rows_of(rows: Iterable[Any], *fields: str) -> list[dict[str, Any]]:
    return [{field: getattr(row, field) for field in fields} for row in rows]
