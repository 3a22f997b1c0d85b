"""Loading course bundles from disk into the database: the CLI's import and the seed."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record_audit
from core.clock import Clock, SystemClock
from courses.importing import (
    ImportResult,
    PublishResult,
    any_course_exists,
    existing_course_slugs,
    import_courses,
)
from courses.sources import discover
from courses.validation import CourseBundle, Problem, validate_courses


class BundleProblems(Exception):
    """The bundles under a path have problems; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the course bundles")
        self.problems = problems


async def validated_bundles(db: AsyncSession, path: Path) -> list[CourseBundle]:
    """Every course under `path`, valid as a whole (prerequisites may name courses already
    in the database), or BundleProblems listing every problem."""
    discovery = discover(path)
    known = discovery.known_courses | await existing_course_slugs(db)
    bundles, problems = validate_courses(discovery.sources, known_courses=known)
    if problems:
        raise BundleProblems(problems)
    return bundles


async def load_bundles(
    db: AsyncSession,
    clock: Clock,
    bundles: list[CourseBundle],
    *,
    publish: bool,
    on_each: Callable[[ImportResult, PublishResult | None], None] | None = None,
) -> tuple[int, int]:
    """Import (and publish) in the caller's transaction; (new versions, unchanged courses)."""
    created = unchanged = 0
    async for result, published in import_courses(db, bundles, now=clock.now(), publish=publish):
        created += result.created
        unchanged += not result.created
        await record_audit(
            db,
            clock,
            actor_kind="system",
            actor_id=None,
            action="course.import",
            object_type="course",
            object_id=result.slug,
            summary={
                "version": result.version,
                "changed": result.created,
                "published": published is not None,
            },
        )
        if on_each is not None:
            on_each(result, published)
    return created, unchanged


async def seed_courses_loaded(db: AsyncSession) -> bool:
    return await any_course_exists(db)


async def load_seed_courses(db: AsyncSession, seed_dir: Path) -> str:
    """The seed loader: import and publish every course under `seed/courses`."""
    bundles = await validated_bundles(db, seed_dir / "courses")
    created, unchanged = await load_bundles(db, SystemClock(), bundles, publish=True)
    return f"{len(bundles)} courses: {created} new versions published, {unchanged} unchanged"
