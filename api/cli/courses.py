import asyncio
import json
from pathlib import Path

import click

from api.cli.runtime import database_url, open_database, settings_or_exit
from api.learning.loading import BundleProblems, load_bundles, validated_bundles
from api.migrations import upgrade
from core.clock import SystemClock
from courses.bundle import locale_file_schema
from courses.sources import discover
from courses.validation import validate_courses

PATH = click.Path(exists=True, path_type=Path)


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
    as `file: path: message` and fail if there is any."""
    discovery = discover(path)
    bundles, problems = validate_courses(discovery.sources, known_courses=discovery.known_courses)
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


@courses.command("import")
@click.argument("path", type=PATH)
@click.option("--publish", is_flag=True, help="Publish each new draft version at once.")
def import_courses(path: Path, publish: bool) -> None:
    """Import the courses under PATH: a new draft version for each changed course, all or
    nothing."""
    settings = settings_or_exit()
    url = database_url(settings)
    upgrade(url)

    async def run() -> tuple[int, int]:
        async with open_database(settings, url) as (_, sessionmaker), sessionmaker.begin() as db:
            bundles = await validated_bundles(db, path)
            with click.progressbar(length=len(bundles), label="importing courses") as bar:
                return await load_bundles(
                    db, SystemClock(), bundles, publish=publish, on_each=lambda _: bar.update(1)
                )

    try:
        created, unchanged = asyncio.run(run())
    except BundleProblems as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") from exc
    state = "published" if publish else "draft"
    click.echo(f"{created} new {state} version(s), {unchanged} course(s) unchanged")
