import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.runtime import run_with_db
from api.learning.loading import BundleProblems, load_bundles, validated_bundles
from api.settings import SettingsError, load_settings
from core.clock import SystemClock
from courses.bundle import locale_file_schema
from courses.importing import ImportResult, PublishResult, existing_course_slugs
from courses.sources import discover
from courses.validation import CourseBundle, validate_courses

PATH = click.Path(exists=True, path_type=Path)
PROGRESS_BAR_MIN_COURSES = 10  # fewer courses import in a blink: no bar


@click.group()
def courses() -> None:
    """Course bundles: the format's schema, validating and importing."""


@courses.command("schema")
def schema() -> None:
    """Print the JSON Schema of one locale file of a course bundle."""
    click.echo(json.dumps(locale_file_schema(), indent=2, ensure_ascii=False))


@courses.command("validate")
@click.argument("path", type=PATH)
@click.option("--strict", is_flag=True, help="Fail on warnings too (the seed passes it).")
def validate(path: Path, strict: bool) -> None:
    """Check PATH (a folder of courses, one course folder, or one file); list every problem
    as `file:line: path: message` and fail if there is any. Prerequisites may name the courses
    beside PATH and, when the database is reachable, the courses already imported, as
    `courses import` allows."""
    discovery = discover(path)
    imported = _imported_courses()
    if imported is None:
        click.echo("offline: prerequisites checked against the courses beside it only")
    else:
        click.echo(f"database: prerequisites may also name the {len(imported)} imported course(s)")
    known = discovery.known_courses | (imported or set())
    bundles, problems = validate_courses(discovery.sources, known_courses=known)
    problems = discovery.relevant(problems)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s)")
    warnings = discovery.relevant([w for bundle in bundles for w in bundle.warnings])
    for warning in warnings:
        click.echo(f"warning: {warning}")
    if strict and warnings:
        raise click.ClickException(f"{len(warnings)} warning(s), and --strict")
    if discovery.only_file:
        click.echo(f"ok: {discovery.only_file}")
        return
    lessons = sum(len(bundle.original.lessons) for bundle in bundles)
    questions = sum(bundle.question_count for bundle in bundles)
    click.echo(f"ok: {len(discovery.sources)} course(s), {lessons} lessons, {questions} questions")


def _imported_courses() -> set[str] | None:
    """The slugs already in the database, or None when there is no database to ask (neither
    DATABASE_URL nor an embedded one) or it cannot be read."""
    try:
        settings = load_settings()
    except SettingsError:
        return None
    if not settings.database_url and not (settings.data_dir / "pgdata" / "PG_VERSION").exists():
        return None
    try:
        return run_with_db(_read_course_slugs, settings=settings)
    except (OSError, SQLAlchemyError) as exc:
        click.echo(f"the database cannot be read ({type(exc).__name__})", err=True)
        return None


async def _read_course_slugs(sessionmaker: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessionmaker() as db:
        return await existing_course_slugs(db)


@courses.command("import")
@click.argument("path", type=PATH)
@click.option("--publish", is_flag=True, help="Publish each new draft version at once.")
def import_courses(path: Path, publish: bool) -> None:
    """Import the courses under PATH: a new draft version for each changed course, all or
    nothing. Prints a line per course once the import is committed."""
    outcomes: list[tuple[ImportResult, PublishResult | None]] = []

    async def run(
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> tuple[list[CourseBundle], int, int]:
        async with sessionmaker.begin() as db:
            bundles = await validated_bundles(db, path)
            with _progress(len(bundles)) as step:

                def each(result: ImportResult, published: PublishResult | None) -> None:
                    outcomes.append((result, published))
                    step()

                created, unchanged = await load_bundles(
                    db, SystemClock(), bundles, publish=publish, on_each=each
                )
            return bundles, created, unchanged

    try:
        bundles, created, unchanged = run_with_db(run, migrate=True)
    except BundleProblems as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") from exc
    warnings = {bundle.slug: bundle.warnings for bundle in bundles}
    for result, published in outcomes:
        click.echo(course_line(result, published))
        for warning in warnings[result.slug]:
            click.echo(f"  warning: {warning}")
    state = "published" if publish else "draft"
    click.echo(f"{created} new {state} version(s), {unchanged} course(s) unchanged")


def course_line(result: ImportResult, published: PublishResult | None) -> str:
    """`slug: version N, new draft` | `..., new, published` | `..., unchanged (status)`."""
    if result.created:
        what = "new, published" if published else "new draft"
    else:
        what = "unchanged, now published" if published else f"unchanged ({result.status})"
    return f"{result.slug}: version {result.version}, {what}"


def _progress(length: int) -> AbstractContextManager[Callable[[], None]]:
    """Step a progress bar on standard error, shown for a large import run from a terminal."""
    if length < PROGRESS_BAR_MIN_COURSES or not sys.stderr.isatty():
        return nullcontext(lambda: None)
    return _bar(length)


@contextmanager
def _bar(length: int) -> Iterator[Callable[[], None]]:
    with click.progressbar(length=length, label="importing courses", file=sys.stderr) as bar:
        yield lambda: bar.update(1)
