"""The seed curriculum: valid, big enough, loaded and published on an empty database; and the
`investquest courses` commands."""

import json
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import main
from api.seed import SEED_DIR, load_seed
from courses.bundle import LOCALES
from courses.sources import discover
from courses.validation import validate_courses
from tests.factories import UserFactory

COURSES = SEED_DIR / "courses"
COURSE_COUNT = sum(1 for folder in COURSES.iterdir() if folder.is_dir())


def test_the_whole_seed_folder_validates() -> None:
    discovery = discover(COURSES)
    bundles, problems = validate_courses(discovery.sources, known_courses=discovery.known_courses)
    assert [str(problem) for problem in problems] == []
    assert all(bundle.warnings == [] for bundle in bundles)


def test_the_seed_has_5_courses_24_lessons_and_100_questions_per_locale() -> None:
    bundles, _ = validate_courses(discover(COURSES).sources, known_courses=set())
    for locale in LOCALES:
        documents = [bundle.locales[locale] for bundle in bundles]
        lessons = [lesson for document in documents for lesson in document.lessons]
        questions = [q for lesson in lessons for q in lesson.quiz.questions]
        assert (len(documents) >= 5, len(lessons) >= 24, len(questions) >= 100) == (True,) * 3


def test_options_needs_c4_and_the_diversification_course() -> None:
    bundles, _ = validate_courses(discover(COURSES).sources, known_courses=set())
    options = next(bundle.original for bundle in bundles if bundle.slug == "options-basics")
    assert options.min_risk_profile == "C4"
    assert options.prerequisites == ["risk-and-diversification"]
    open_lessons = [lesson.slug for lesson in options.lessons if lesson.open_to_all]
    assert open_lessons == ["option-is-a-right-not-an-obligation"]  # why options are risky


RISK_PHRASE = {
    "zh-CN": "投资有风险，入市需谨慎。",
    "en": "Investing involves risk; past returns do not promise future returns.",
}
FUND_PHRASE = {
    "zh-CN": "基金有风险，投资需谨慎；基金过往业绩不代表其未来表现。",
    "en": "Funds carry risk; invest with caution. "
    "A fund's past performance does not indicate its future performance.",
}
FUND_COURSES = {"funds-and-etfs", "index-funds-in-practice"}  # every lesson is about funds
FUND_LESSONS = {("dividends-and-taxes", "reinvesting-dividends")}  # fund distributions
COURSE_SLUGS = sorted(folder.name for folder in COURSES.iterdir() if folder.is_dir())


@pytest.mark.parametrize("slug", COURSE_SLUGS)
def test_each_disclaimer_says_the_standard_phrase_once_and_the_fund_phrase_on_fund_lessons(
    slug: str,
) -> None:
    for locale in LOCALES:
        document = yaml.safe_load((COURSES / slug / f"{locale}.yaml").read_text())
        for lesson in document["lessons"]:
            fund_lesson = slug in FUND_COURSES or (slug, lesson["slug"]) in FUND_LESSONS
            for card in lesson["cards"]:
                if card["kind"] == "disclaimer":
                    body = card["body"]
                    where = (locale, lesson["slug"])
                    assert body.count(RISK_PHRASE[locale]) == 1, where
                    assert (FUND_PHRASE[locale] in body) == fund_lesson, where
                    assert len(body) <= (120 if locale == "zh-CN" else 330), where


SUITABILITY_LESSON = ("scams-and-investor-rights", "suitability-matches-you-to-products")
SUITABILITY_RULE_MARKERS = {  # the Cn-to-Rn rule and its lowest-category exception
    "zh-CN": ("Cn", "风险承受能力最低类别"),
    "en": ("Cn ", "lowest risk-tolerance category"),
}


def test_only_the_one_suitability_lesson_teaches_the_matching_rule() -> None:
    teaching = set()
    for slug in COURSE_SLUGS:
        for locale in LOCALES:
            document = yaml.safe_load((COURSES / slug / f"{locale}.yaml").read_text())
            for lesson in document["lessons"]:
                text = json.dumps(lesson, ensure_ascii=False)
                if any(marker in text for marker in SUITABILITY_RULE_MARKERS[locale]):
                    teaching.add((slug, lesson["slug"]))
    assert teaching == {SUITABILITY_LESSON}


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DATABASE_URL and an empty data folder: commands find no database."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INVESTQUEST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.usefixtures("offline")
def test_validate_command_passes_on_the_seed_and_lists_problems_otherwise(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["courses", "validate", str(COURSES), "--strict"])
    assert ok.exit_code == 0, ok.output
    assert f"ok: {COURSE_COUNT} course(s)" in ok.output
    course = tmp_path / "broken"
    course.mkdir()
    document = yaml.safe_load((COURSES / "investing-basics" / "zh-CN.yaml").read_text())
    document["slug"] = "broken"
    document["lessons"][2]["quiz"]["questions"][0]["choices"] = document["lessons"][2]["quiz"][
        "questions"
    ][0]["choices"][:1]
    (course / "zh-CN.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    failed = runner.invoke(main, ["courses", "validate", str(course)])
    assert failed.exit_code != 0
    where = (
        re.escape(f"{course}/zh-CN.yaml:") + r"\d+: lessons\[2\]\.quiz\.questions\[0\]\.choices: "
    )
    assert re.search(where, failed.output), failed.output


def test_schema_command_prints_a_json_schema() -> None:
    result = CliRunner().invoke(main, ["courses", "schema"])
    schema = json.loads(result.output)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"slug", "locale", "lessons", "min_risk_profile"} <= set(schema["required"])


async def test_the_seed_loads_published_and_loading_again_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AsyncClient,
    user_factory: UserFactory,
) -> None:
    async def courses_line(**options: bool) -> str:
        lines = await load_seed(sessionmaker, **options)
        return next(line for line in lines if line.startswith("courses: "))

    first = await courses_line(only_missing=True)
    n = COURSE_COUNT
    assert first == f"courses: {n} courses: {n} new versions published, 0 unchanged"
    assert await courses_line(only_missing=True) == "courses: already loaded"
    again = await courses_line()
    assert again == f"courses: {n} courses: 0 new versions published, {n} unchanged"
    async with sessionmaker() as db:
        versions = await db.scalar(sa.text("SELECT count(*) FROM course_version"))
    assert versions == n
    learner = await user_factory(risk_profile="C2")
    catalogue = (await client.get("/v1/courses", headers=learner.headers)).json()
    locks = {item["slug"]: item["locked_reason"] for item in catalogue["items"]}
    assert locks["investing-basics"] is None
    assert locks["options-basics"] == "risk-profile-too-low"
    assert len(locks) == n


def test_import_command_loads_all_or_nothing(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", scratch_database)
    monkeypatch.chdir(tmp_path)  # no stray .env
    runner = CliRunner()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "zh-CN.yaml").write_text("format: 1\nslug: broken\n")
    refused = runner.invoke(main, ["courses", "import", str(broken)])
    assert refused.exit_code != 0
    assert "nothing was imported" in refused.output
    loaded = runner.invoke(main, ["courses", "import", str(COURSES), "--publish"])
    assert loaded.exit_code == 0, loaded.output
    assert f"{COURSE_COUNT} new published version(s), 0 course(s) unchanged" in loaded.output
    again = runner.invoke(main, ["courses", "import", str(COURSES / "options-basics")])
    assert "0 new draft version(s), 1 course(s) unchanged" in again.output


def alone(tmp_path: Path, slug: str) -> Path:
    """A copy of one seed course in a folder of its own, away from its prerequisites."""
    folder = tmp_path / "alone" / slug
    shutil.copytree(COURSES / slug, folder)
    return folder


def test_validate_sees_the_courses_already_imported_like_import_does(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INVESTQUEST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    runner, course = CliRunner(), alone(tmp_path, "a-share-trading")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    offline = runner.invoke(main, ["courses", "validate", str(course)])
    assert offline.exit_code == 1
    assert offline.output.startswith("offline: prerequisites checked against the courses beside")
    assert "unknown prerequisite course investing-basics" in offline.output
    monkeypatch.setenv("DATABASE_URL", scratch_database)
    imported = runner.invoke(main, ["courses", "import", str(COURSES / "investing-basics")])
    assert imported.exit_code == 0, imported.output
    online = runner.invoke(main, ["courses", "validate", str(course)])
    assert online.exit_code == 0, online.output
    assert "prerequisites may also name the 1 imported course(s)" in online.output
    assert runner.invoke(main, ["courses", "import", str(course)]).exit_code == 0


@pytest.mark.usefixtures("offline")
def test_a_duplicate_yaml_key_is_a_problem_with_its_line(tmp_path: Path) -> None:
    course = alone(tmp_path, "investing-basics")
    original = (course / "zh-CN.yaml").read_text().splitlines(keepends=True)
    (b,) = [
        i for i, line in enumerate(original) if "你的更多，因为你的收益也在继续产生收益" in line
    ]
    assert original[b + 1].strip() == "correct: true"
    edited = [*original[: b + 1], original[b + 1].replace("true", "false"), *original[b + 1 :]]
    (course / "zh-CN.yaml").write_text("".join(edited))
    result = CliRunner().invoke(main, ["courses", "validate", str(course)])
    assert result.exit_code == 1
    # the second `correct:` is on (0-based) line b + 2, that is line b + 3 counted from 1
    assert f"{course}/zh-CN.yaml:{b + 3}: (document): not valid YAML: " in result.output
    assert f"duplicate key correct (first on line {b + 2})" in result.output


def test_import_prints_a_line_per_course(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", scratch_database)
    monkeypatch.setenv("INVESTQUEST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    basics = ["courses", "import", str(COURSES / "investing-basics")]
    first = runner.invoke(main, basics)
    assert "investing-basics: version 1, new draft\n" in first.output
    published = runner.invoke(main, [*basics, "--publish"])
    assert "investing-basics: version 1, unchanged, now published\n" in published.output
    again = runner.invoke(main, basics)
    assert "investing-basics: version 1, unchanged (published)\n" in again.output
    assert "importing courses" not in again.output  # no progress bar off a terminal
