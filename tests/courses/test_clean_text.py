"""Lesson and course text is stored and served without the newline YAML block scalars end in:
cleaned at import, and by migration 0011 for the text imported before."""

import asyncio
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker, create_async_engine

from api.database import asyncpg_url
from api.migrations import upgrade
from core.clock import FrozenClock
from courses.importing import import_course
from courses.sources import bundle_source
from courses.validation import validate_course
from tests.factories import UserFactory
from tests.helpers import Publish, answers_for, bundle_doc, each_locale


def strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from strings_in(item)
    elif isinstance(node, str):
        yield node


def with_block_scalar_newlines(document: dict[str, Any]) -> None:
    """What `title: |` and friends give: every human text ends in a newline."""
    document["title"] += "\n"
    document["summary"] += "\n"
    for lesson in document["lessons"]:
        lesson["title"] += "\n"
        for card in lesson["cards"]:
            card["body"] += "\n"
        for question in lesson["quiz"]["questions"]:
            question["prompt"] += "\n"
            question["explanation"] += "\n"
            for choice in question["choices"]:
                choice["text"] += "\n"


async def test_text_from_block_scalars_is_served_without_trailing_newlines(
    client: AsyncClient, user_factory: UserFactory, publish: Publish
) -> None:
    lessons = await publish(each_locale(bundle_doc(), with_block_scalar_newlines))
    learner = await user_factory(locale="en")
    lesson_id = lessons["lesson-0"]
    bodies = [
        (await client.get("/v1/courses/test-course", headers=learner.headers)).json(),
        (await client.get(f"/v1/lessons/{lesson_id}", headers=learner.headers)).json(),
        (
            await client.post(
                f"/v1/lessons/{lesson_id}/quiz-attempts",
                json={"answers": answers_for(0)},
                headers=learner.headers,
            )
        ).json(),
    ]
    texts = [text for body in bodies for text in strings_in(body)]
    assert "English course test-course" in texts
    assert [text for text in texts if text != text.strip()] == []


async def test_migration_0011_cleans_text_imported_before(
    scratch_database: str, clock: FrozenClock
) -> None:
    await asyncio.to_thread(upgrade, scratch_database, "0010")
    engine = create_async_engine(asyncpg_url(scratch_database))
    try:
        bundle, _ = validate_course(bundle_source(bundle_doc()))
        assert bundle is not None
        async with async_sessionmaker(engine).begin() as db:
            await import_course(db, bundle, now=clock.now(), imported_by=None)
        async with engine.begin() as conn:
            await put_back_the_newlines_imports_kept(conn)
            assert any(text.endswith("\n") for text in await stored_texts(conn))
        await asyncio.to_thread(upgrade, scratch_database)
        async with engine.connect() as conn:
            texts = await stored_texts(conn)
    finally:
        await engine.dispose()
    assert "English course test-course" in texts
    assert [text for text in texts if text != text.strip()] == []


async def put_back_the_newlines_imports_kept(conn: AsyncConnection) -> None:
    await conn.execute(sa.text("UPDATE course_version_text SET summary = summary || E'\\n'"))
    rows = (
        await conn.execute(
            sa.text("SELECT version_id, lesson_id, locale, cards FROM course_lesson_content")
        )
    ).all()
    update = sa.text(
        "UPDATE course_lesson_content SET cards = :cards"
        " WHERE version_id = :version_id AND lesson_id = :lesson_id AND locale = :locale"
    ).bindparams(sa.bindparam("cards", type_=JSONB))
    for row in rows:
        cards = [card | {"body": card["body"] + "\n"} for card in row.cards]
        keys = {"version_id": row.version_id, "lesson_id": row.lesson_id, "locale": row.locale}
        await conn.execute(update, keys | {"cards": cards})
    await conn.execute(
        sa.text(
            "UPDATE course_lesson_content SET title = title || E'\\n',"
            " explanations = (SELECT jsonb_object_agg(key, value || E'\\n')"
            " FROM jsonb_each_text(explanations))"
        )
    )


async def stored_texts(conn: AsyncConnection) -> list[str]:
    course = await conn.execute(sa.text("SELECT title, summary FROM course_version_text"))
    lessons = await conn.execute(
        sa.text("SELECT title, cards, questions, explanations FROM course_lesson_content")
    )
    return list(strings_in([list(row) for row in [*course.all(), *lessons.all()]]))
