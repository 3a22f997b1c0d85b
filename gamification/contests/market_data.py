"""Where prices come from: one small interface, three providers.

- `Simulator` (the default): the seeded random walk of simulator.py.
- `Replay`: historical bars from a CSV file (replay.py), one bar per tick.
- `PartnerPush`: no moves of its own; the broker pushes prices to `POST /v1/partner/quotes`
  (accepted under every provider: a pushed price holds until the provider moves it again).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from gamification.contests.replay import ReplayTape, load_tape
from gamification.contests.simulator import Move, QuoteState, simulate_moves

ProviderName = Literal["simulator", "replay", "partner"]


class MarketData(Protocol):
    @property
    def name(self) -> ProviderName: ...

    def moves(self, quotes: Sequence[QuoteState], *, slot: int) -> list[Move]:
        """The new prices of tick `slot` (ticks are numbered by the scheduler's slots)."""
        ...


@dataclass(frozen=True)
class Simulator:
    seed: int
    tick_seconds: int
    name: ProviderName = "simulator"

    def moves(self, quotes: Sequence[QuoteState], *, slot: int) -> list[Move]:
        return simulate_moves(quotes, seed=self.seed, slot=slot, tick_seconds=self.tick_seconds)


@dataclass(frozen=True)
class Replay:
    tape: ReplayTape
    name: ProviderName = "replay"

    def moves(self, quotes: Sequence[QuoteState], *, slot: int) -> list[Move]:
        return self.tape.moves(quotes, slot=slot)


@dataclass(frozen=True)
class PartnerPush:
    name: ProviderName = "partner"

    def moves(self, quotes: Sequence[QuoteState], *, slot: int) -> list[Move]:
        return []


def market_data(
    name: ProviderName, *, seed: int, tick_seconds: int, replay_file: Path
) -> MarketData:
    if name == "simulator":
        return Simulator(seed=seed, tick_seconds=tick_seconds)
    if name == "replay":
        return Replay(load_tape(replay_file))
    return PartnerPush()


__all__ = ["MarketData", "PartnerPush", "ProviderName", "Replay", "Simulator", "market_data"]
