"""Replay of historical bars from a CSV file: each tick moves every instrument in the file to the
close of its next bar, cycling at the end, so a short sample keeps a market moving for tests and
demos. Columns: `symbol,t,open,high,low,close,volume` (RFC 3339 `t`); rows may come in any order.

Historical closes are fitted to today's band around the previous close and to the tick, so a
replay obeys the same rules as the simulator.
"""

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from gamification.contests.simulator import Move, QuoteState, clamp_to_band

COLUMNS = ("symbol", "t", "open", "high", "low", "close", "volume")


class ReplayFileError(ValueError):
    """The replay file is malformed; the message names the line."""


@dataclass(frozen=True)
class ReplayBar:
    close: Decimal
    volume: int


@dataclass(frozen=True)
class ReplayTape:
    bars: dict[str, tuple[ReplayBar, ...]]  # by symbol, oldest first

    def moves(self, quotes: Sequence[QuoteState], *, slot: int) -> list[Move]:
        moves = []
        for quote in quotes:
            bars = self.bars.get(quote.symbol)
            if bars:
                bar = bars[slot % len(bars)]
                price = bar.close.quantize(quote.tick_size, rounding=ROUND_HALF_UP)
                moves.append(Move(quote.symbol, clamp_to_band(price, quote), bar.volume))
        return moves


def load_tape(path: Path) -> ReplayTape:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise ReplayFileError(f"{path}: the header must be {','.join(COLUMNS)}")
    dated: dict[str, list[tuple[datetime, ReplayBar]]] = defaultdict(list)
    for line, row in enumerate(rows[1:], start=2):
        symbol, at, bar = _parse_row(path, line, row)
        dated[symbol].append((at, bar))
    return ReplayTape(
        {
            symbol: tuple(bar for _, bar in sorted(bars, key=lambda b: b[0]))
            for symbol, bars in dated.items()
        }
    )


def _parse_row(path: Path, line: int, row: list[str]) -> tuple[str, datetime, ReplayBar]:
    if len(row) != len(COLUMNS):
        raise ReplayFileError(f"{path}:{line}: expected {len(COLUMNS)} columns")
    symbol, at, _open, _high, _low, close, volume = row
    try:
        bar = ReplayBar(Decimal(close), int(volume))
        moment = datetime.fromisoformat(at)
    except (ValueError, InvalidOperation) as exc:
        raise ReplayFileError(f"{path}:{line}: {exc}") from exc
    if moment.tzinfo is None or bar.close <= 0 or bar.volume < 0:
        raise ReplayFileError(f"{path}:{line}: needs an offset, a positive close, a volume >= 0")
    return symbol, moment, bar


__all__ = ["ReplayFileError", "ReplayTape", "load_tape"]
