"""What a measure answers: named columns and rows of plain values (months as `YYYY-MM`,
shares in percent to one decimal, null where a figure cannot be told yet)."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MeasureTable:
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class MeasureContext:
    zone: ZoneInfo
    today: date  # in the business zone: months after it have no figures yet


def share(part: float | None, whole: float | None, per: int = 100) -> float | None:
    """`part` per `per` of `whole`, to one decimal; null when there is no whole."""
    if part is None or not whole:
        return None
    return round(per * float(part) / float(whole), 1)


def month_label(month: date) -> str:
    return month.strftime("%Y-%m")
