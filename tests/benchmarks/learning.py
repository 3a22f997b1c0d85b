"""The learning data set of issue 4: 2,000 published courses with 50,000 lessons.

Two template courses, of 20 and 30 lessons, are made from the real seed content (its cards and
quiz questions in zh-CN and en, reused in turn, ten questions a quiz), checked by the app's own
bundle validation and imported and published by `courses.importing`. Each template is then
cloned 999 times in SQL: new course, version and lesson ids, the template's rows otherwise (a
clone is the course an import of the template under another slug would have made; its
content hash is derived from the template's and the slug). So 1,000 courses of each length:
S1b asks for 20-lesson course pages, S1a and the quizzes for any of the 50,000 lessons.

The reward rules of `seed/rewards.yaml` are loaded too: a passed quiz pays its reward.
"""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.rewards.seeding import load_reward_rules
from api.seed import SEED_DIR
from core.ids import new_id
from courses.bundle import LOCALES, ORIGINAL_LOCALE
from courses.importing import import_courses
from courses.sources import discover
from courses.validation import CourseBundle, CourseSource, validate_course, validate_courses
from tests.benchmarks.accounts import Connection, write_lines

COURSES_PER_SHAPE = 1_000
SHAPES = (20, 30)  # lessons per course: 1,000 courses of each, 50,000 lessons in all
PAGE_SHAPE = 20  # S1b's course pages
QUESTIONS_PER_QUIZ = 10
QUIZ_LESSONS = 10_000  # lessons the quiz scenario answers (a sample of all)
RIGHT_ANSWER_SHARE = 0.9  # each answer is right with this chance: most attempts pass
LESSONS_FILE = "learning-lessons.txt"
COURSES_FILE = f"learning-courses-{PAGE_SHAPE}.txt"
QUIZZES_FILE = "learning-quizzes.tsv"


@dataclass(frozen=True)
class LearningDataSet:
    courses: int
    lessons: int
    lesson_texts: int  # lessons times locales
    questions: int


@dataclass(frozen=True)
class _Template:
    shape: int
    version_id: uuid.UUID
    lessons: list[tuple[uuid.UUID, int, dict[str, Any]]]  # (lesson id, position, answer key)


async def prepare_learning(
    sessionmaker: async_sessionmaker[AsyncSession], conn: Connection, data_dir: Path, now: datetime
) -> LearningDataSet:
    async with sessionmaker.begin() as db:
        await load_reward_rules(db, SEED_DIR)
        async for _ in import_courses(db, template_bundles(), now=now, publish=True):
            pass
    templates = [await _template(conn, shape) for shape in SHAPES]
    lessons = await _clone(conn, templates, now)
    for table in _TABLES:
        await conn.execute(f"VACUUM ANALYZE {table}")
    write_lines(data_dir / LESSONS_FILE, (str(lesson_id) for lesson_id, _ in lessons))
    write_lines(data_dir / COURSES_FILE, (_slug(PAGE_SHAPE, n) for n in range(COURSES_PER_SHAPE)))
    rng = random.Random(4)
    write_lines(
        data_dir / QUIZZES_FILE,
        (
            f"{lesson_id}\t{_answers(answer_key, rng)}"
            for lesson_id, answer_key in rng.sample(lessons, QUIZ_LESSONS)
        ),
    )
    count = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM course_version WHERE status = 'published') AS courses,"
        " (SELECT count(*) FROM course_lesson) AS lessons,"
        " (SELECT count(*) FROM course_lesson_content) AS texts,"
        " (SELECT sum(question_count) FROM course_version WHERE status = 'published') AS questions"
    )
    assert count is not None
    return LearningDataSet(count["courses"], count["lessons"], count["texts"], count["questions"])


def template_bundles() -> list[CourseBundle]:
    """The template courses, valid bundles built from the seed's lessons and questions."""
    discovery = discover(SEED_DIR / "courses")
    seeds, problems = validate_courses(discovery.sources, known_courses=discovery.known_courses)
    assert not problems, problems
    lessons = [
        [bundle.locales[locale].lessons[i] for locale in LOCALES]
        for bundle in seeds
        for i in range(len(bundle.original.lessons))
    ]
    questions = [
        [lesson[n].quiz.questions[q] for n in range(len(LOCALES))]
        for lesson in lessons
        for q in range(len(lesson[0].quiz.questions))
    ]
    bundles = []
    for shape in SHAPES:
        slug = _slug(shape, 0)
        documents = {
            locale: (f"{slug}/{locale}.yaml", _document(slug, shape, n, lessons, questions))
            for n, locale in enumerate(LOCALES)
        }
        bundle, found = validate_course(CourseSource(slug, slug, documents), known_courses=set())
        assert bundle is not None, found
        bundles.append(bundle)
    return bundles


def _slug(shape: int, n: int) -> str:
    return f"bench-{shape}-{n:04d}"


def _document(
    slug: str, shape: int, locale_index: int, lessons: list[list[Any]], questions: list[list[Any]]
) -> dict[str, Any]:
    """One locale file of a template: the seed's lessons in turn, ten seed questions each."""
    original = LOCALES[locale_index] == ORIGINAL_LOCALE
    return {
        "format": 1,
        "slug": slug,
        "locale": LOCALES[locale_index],
        "title": f"基准课程（{shape}节）" if original else f"Benchmark course ({shape} lessons)",
        "summary": "用种子课程内容拼成的基准测试课程。"
        if original
        else "A benchmark course put together from the seed lessons.",
        "level": "beginner",
        "tags": ["bench"],
        "min_risk_profile": "C1",
        "prerequisites": [],
        "lessons": [
            _lesson(i, lessons[i % len(lessons)][locale_index], questions, locale_index)
            for i in range(shape)
        ],
    }


def _lesson(i: int, lesson: Any, questions: list[list[Any]], locale_index: int) -> dict[str, Any]:
    chosen = [
        questions[(i * QUESTIONS_PER_QUIZ + k) % len(questions)][locale_index]
        for k in range(QUESTIONS_PER_QUIZ)
    ]
    return {
        "slug": f"lesson-{i + 1:02d}",
        "title": lesson.title,
        "est_minutes": lesson.est_minutes,
        "cards": [card.model_dump(mode="json") for card in lesson.cards],
        "quiz": {
            "pass_score": lesson.quiz.pass_score,
            "questions": [
                question.model_dump(mode="json") | {"id": f"q{i + 1:02d}-{k + 1:02d}"}
                for k, question in enumerate(chosen)
            ],
        },
    }


async def _template(conn: Connection, shape: int) -> _Template:
    version_id = await conn.fetchval(
        "SELECT v.id FROM course_version v JOIN course_course c ON c.id = v.course_id"
        " WHERE c.slug = $1 AND v.status = 'published'",
        _slug(shape, 0),
    )
    rows = await conn.fetch(
        "SELECT lesson_id, position, answer_key FROM course_lesson_version"
        " WHERE version_id = $1 ORDER BY position",
        version_id,
    )
    assert len(rows) == shape
    lessons = [(r["lesson_id"], r["position"], json.loads(r["answer_key"])) for r in rows]
    return _Template(shape, version_id, lessons)


_TABLES = (
    "course_course",
    "course_version",
    "course_version_text",
    "course_lesson",
    "course_lesson_version",
    "course_lesson_content",
)


async def _clone(
    conn: Connection, templates: list[_Template], now: datetime
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """Clone each template COURSES_PER_SHAPE - 1 times; every lesson id with its answer key."""
    courses, lessons = [], []
    every_lesson = [(lesson_id, key) for t in templates for lesson_id, _, key in t.lessons]
    for template in templates:
        for n in range(1, COURSES_PER_SHAPE):
            course_id, version_id = new_id(), new_id()
            courses.append(
                (course_id, version_id, _slug(template.shape, n), n, template.version_id)
            )
            for lesson_id, _, key in template.lessons:
                clone_id = new_id()
                lessons.append((clone_id, course_id, version_id, lesson_id, template.version_id))
                every_lesson.append((clone_id, key))
    async with conn.transaction():
        await conn.execute(
            "CREATE TEMP TABLE clone_course (course_id uuid, version_id uuid, slug text,"
            " n int, template_version uuid) ON COMMIT DROP;"
            "CREATE TEMP TABLE clone_lesson (lesson_id uuid, course_id uuid, version_id uuid,"
            " template_lesson uuid, template_version uuid) ON COMMIT DROP"
        )
        await conn.copy_records_to_table("clone_course", records=courses)
        await conn.copy_records_to_table("clone_lesson", records=lessons)
        for statement in _CLONE:
            await conn.execute(statement, *((now,) if "$1" in statement else ()))
    return every_lesson


_CLONE = [
    "INSERT INTO course_course (id, slug, created_at) SELECT course_id, slug, $1 FROM clone_course",
    """INSERT INTO course_version (id, course_id, number, status, content_hash, level, level_rank,
        min_risk_profile, tags, prerequisites, locales, lesson_count, question_count,
        imported_by, created_at, published_at)
    SELECT c.version_id, c.course_id, 1, 'published',
        encode(sha256(convert_to(v.content_hash || c.slug, 'UTF8')), 'hex'), v.level,
        v.level_rank, v.min_risk_profile, v.tags, v.prerequisites, v.locales, v.lesson_count,
        v.question_count, NULL, $1, $1
    FROM clone_course c JOIN course_version v ON v.id = c.template_version""",
    """INSERT INTO course_version_text (version_id, locale, title, summary)
    SELECT c.version_id, t.locale, t.title || ' #' || c.n, t.summary
    FROM clone_course c JOIN course_version_text t ON t.version_id = c.template_version""",
    """INSERT INTO course_lesson (id, course_id, slug, created_at)
    SELECT l.lesson_id, l.course_id, t.slug, $1
    FROM clone_lesson l JOIN course_lesson t ON t.id = l.template_lesson""",
    """INSERT INTO course_lesson_version (version_id, lesson_id, position, est_minutes, answer_key,
        open_to_all)
    SELECT l.version_id, l.lesson_id, t.position, t.est_minutes, t.answer_key, t.open_to_all
    FROM clone_lesson l JOIN course_lesson_version t
        ON t.version_id = l.template_version AND t.lesson_id = l.template_lesson""",
    """INSERT INTO course_lesson_content (version_id, lesson_id, locale, title, cards, questions,
        explanations)
    SELECT l.version_id, l.lesson_id, t.locale, t.title, t.cards, t.questions, t.explanations
    FROM clone_lesson l JOIN course_lesson_content t
        ON t.version_id = l.template_version AND t.lesson_id = l.template_lesson""",
]


def _answers(answer_key: dict[str, Any], rng: random.Random) -> str:
    """A quiz attempt's body: every question answered, right with RIGHT_ANSWER_SHARE."""
    answers = {}
    for question in answer_key["questions"]:
        right = list(question["correct"])
        wrong = [choice for choice in question["choices"] if choice not in right][:1]
        answers[question["id"]] = right if rng.random() < RIGHT_ANSWER_SHARE or not wrong else wrong
    return json.dumps({"answers": answers}, separators=(",", ":"))
