"""What a published version says, kept in-process between requests.

A course version's content (its texts, its lessons and their titles) is written once, when the
version is imported, and never changed after; publishing makes another version live (or an
earlier one again, with the content it always had). So an entry stays right for as long as
the published version it was read from is still the live one: a read sends the version it
holds and the database sends the content again only when the live version is another one
(a publish, a rollback), in the same statement that reads the learner's own progress.
"""

import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class Held(Generic[V]):
    """One published version's content as read then."""

    version_id: uuid.UUID
    content: V


class PublishedContent(Generic[K, V]):
    """The content of published versions by key (a course and a locale, say), the least
    recently used dropped beyond `max_entries`. One per process; asyncio runs one coroutine
    at a time, so it needs no lock."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[K, Held[V]] = OrderedDict()

    def held(self, key: K) -> Held[V] | None:
        """The entry to send the version of; kept by the caller until the read answers, since
        another request may replace it meanwhile."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def keep(self, key: K, version_id: uuid.UUID, content: V) -> None:
        self._entries[key] = Held(version_id, content)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
