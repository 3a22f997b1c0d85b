"""The in-process store of published versions' content: bounded, least recently used out."""

import uuid

from courses.published_content import PublishedContent


def test_the_least_recently_used_entry_goes_first_beyond_the_bound() -> None:
    kept: PublishedContent[str, str] = PublishedContent(max_entries=2)
    versions = {key: uuid.uuid4() for key in "abc"}
    kept.keep("a", versions["a"], "A")
    kept.keep("b", versions["b"], "B")
    assert kept.held("a") is not None  # used: "b" is now the least recently used
    kept.keep("c", versions["c"], "C")
    assert kept.held("b") is None
    held = kept.held("a")
    assert held is not None
    assert (held.version_id, held.content) == (versions["a"], "A")


def test_keeping_another_version_replaces_the_entry() -> None:
    kept: PublishedContent[str, str] = PublishedContent(max_entries=2)
    kept.keep("a", uuid.uuid4(), "first")
    second = uuid.uuid4()
    kept.keep("a", second, "second")
    held = kept.held("a")
    assert held is not None
    assert (held.version_id, held.content) == (second, "second")
