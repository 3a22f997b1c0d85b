"""Helpers the tests share: an HTTP client for the app, course bundles, reward rules and
learning events, voucher products and funded learners, all made in code. Fixtures built on them
are in the conftest.py files."""

import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from httpx import ASGITransport, AsyncClient, Response
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.accounts.partners import PARTNER_KEY_HEADER
from api.seed import SEED_DIR
from core.clock import FrozenClock
from courses.events import CourseCompleted, LessonCompleted, QuizPassed, QuizPerfect
from courses.importing import import_course, publish_course
from courses.models import Course, CourseProgress, Lesson
from courses.quiz_balance import MULTIPLE_LABEL
from courses.sources import bundle_source
from courses.validation import validate_course
from gamification.ledger.models import Currency
from gamification.ledger.operations import earn
from gamification.ledger.queries import balances, history
from gamification.rewards.catalogue import read_rule_file, save_rules
from gamification.rewards.rules import Rule
from gamification.vouchers.models import Voucher, VoucherProduct
from gamification.vouchers.products import ProductDraft, create_product


def http_client(app: Litestar) -> AsyncClient:
    """Talk to the app over ASGI in the current event loop (its lifespan is not run)."""
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]


@asynccontextmanager
async def serve_in_loop(app: Litestar) -> AsyncIterator[AsyncClient]:
    """Like `http_client`, with the app's lifespan (metrics collectors, scheduler) running.
    Use it inside a test body: the lifespan must end in the task that started it."""
    async with app.lifespan(), http_client(app) as client:
        yield client


# Course bundles made in code

LOCALE_MARK = {"zh-CN": "中文", "en": "English"}


def lesson_doc(i: int, locale: str, *, est_minutes: int = 2) -> dict[str, Any]:
    mark = LOCALE_MARK[locale]
    return {
        "slug": f"lesson-{i}",
        "title": f"{mark} lesson {i}",
        "est_minutes": est_minutes,
        "cards": [
            {"kind": "text", "body": f"{mark} teaching {i}"},
            {"kind": "disclaimer", "body": f"{mark} investing involves risk"},
            {"kind": "takeaway", "body": f"{mark} takeaway {i}"},
        ],
        "quiz": {
            "pass_score": 60,
            "questions": [
                {
                    "id": f"q{i}-single",
                    "kind": "single",
                    "prompt": f"{mark} single {i}?",
                    "choices": [
                        {"id": "a", "text": f"{mark} right", "correct": True},
                        {"id": "b", "text": f"{mark} tempting", "correct": False},
                        {"id": "c", "text": f"{mark} wrong", "correct": False},
                    ],
                    "explanation": f"{mark} because single {i}",
                },
                {
                    "id": f"q{i}-multiple",
                    "kind": "multiple",
                    "prompt": f"{mark} multiple {i}? {MULTIPLE_LABEL[locale]}",
                    "choices": [
                        {"id": "a", "text": f"{mark} yes", "correct": True},
                        {"id": "b", "text": f"{mark} also yes", "correct": True},
                        {"id": "c", "text": f"{mark} no", "correct": False},
                    ],
                    "explanation": f"{mark} because multiple {i}",
                },
                {
                    "id": f"q{i}-tf",
                    "kind": "true_false",
                    "prompt": f"{mark} true or false {i}?",
                    "choices": [
                        {"id": "true", "text": f"{mark} true", "correct": True},
                        {"id": "false", "text": f"{mark} false", "correct": False},
                    ],
                    "explanation": f"{mark} because tf {i}",
                },
            ],
        },
    }


def locale_doc(
    slug: str,
    locale: str,
    *,
    lessons: int = 2,
    min_risk_profile: str = "C1",
    prerequisites: Sequence[str] = (),
    level: str = "beginner",
) -> dict[str, Any]:
    mark = LOCALE_MARK[locale]
    return {
        "format": 1,
        "slug": slug,
        "locale": locale,
        "title": f"{mark} course {slug}",
        "summary": f"{mark} summary of {slug}",
        "level": level,
        "tags": ["test"],
        "min_risk_profile": min_risk_profile,
        "prerequisites": list(prerequisites),
        "lessons": [lesson_doc(i, locale) for i in range(lessons)],
    }


def bundle_doc(slug: str = "test-course", **options: Any) -> dict[str, Any]:
    """An HTTP bundle: one course, both locales."""
    return {
        "slug": slug,
        "locales": {locale: locale_doc(slug, locale, **options) for locale in ("zh-CN", "en")},
    }


def each_locale(bundle: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    changed = copy.deepcopy(bundle)
    for document in changed["locales"].values():
        change(document)
    return changed


RIGHT_ANSWERS = {"q{i}-single": ["a"], "q{i}-multiple": ["a", "b"], "q{i}-tf": ["true"]}


def answers_for(i: int, *, wrong: Sequence[str] = ()) -> dict[str, list[str]]:
    """Right answers to lesson i's quiz, except the question kinds in `wrong`."""
    answers = {key.format(i=i): value for key, value in RIGHT_ANSWERS.items()}
    for kind in wrong:
        answers[f"q{i}-{kind}"] = {"single": ["b"], "multiple": ["a"], "tf": ["false"]}[kind]
    return answers


Publish = Callable[..., Awaitable[dict[str, Any]]]


def publisher(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Publish:
    async def run(document: dict[str, Any], *, draft_only: bool = False) -> dict[str, Any]:
        bundle, problems = validate_course(bundle_source(document))
        assert not problems, [str(p) for p in problems]
        assert bundle is not None
        async with sessionmaker.begin() as db:
            await import_course(db, bundle, now=clock.now(), imported_by=None)
            if not draft_only:
                await publish_course(db, bundle.slug, now=clock.now())
            rows = await db.execute(
                sa.select(col(Lesson.slug), col(Lesson.id))
                .join(Course, col(Course.id) == col(Lesson.course_id))
                .where(col(Course.slug) == bundle.slug)
            )
            return {row[0]: row[1] for row in rows}

    return run


async def read_lesson(
    client: AsyncClient, lesson_id: object, headers: dict[str, str], clock: FrozenClock
) -> dict[str, Any]:
    """Open a lesson and let enough time pass to complete it."""
    response = await client.get(f"/v1/lessons/{lesson_id}", headers=headers)
    assert response.status_code == 200, response.text
    clock.advance(timedelta(minutes=5))
    body: dict[str, Any] = response.json()
    return body


# Reward rules and learning events

SEED_RULES = {rule.kind: rule for rule in read_rule_file(SEED_DIR / "rewards.yaml")}


LoadRules = Callable[..., Awaitable[dict[str, Rule]]]


def rules_loader(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> LoadRules:
    async def load(**changes: dict[str, Any]) -> dict[str, Rule]:
        """Load the seed rules, each changed by `changes[kind]` (e.g. points=30)."""
        rules = {kind: replace(rule, **changes.get(kind, {})) for kind, rule in SEED_RULES.items()}
        async with sessionmaker.begin() as db:
            await save_rules(db, list(rules.values()), now=clock.now())
        return rules

    return load


def lesson_done(
    user_id: uuid.UUID, at: datetime, lesson_id: uuid.UUID | None = None
) -> LessonCompleted:
    return LessonCompleted(user_id, lesson_id or uuid.uuid4(), "basics", "lesson-a", at)


def quiz_passed(user_id: uuid.UUID, at: datetime, lesson_id: uuid.UUID) -> QuizPassed:
    return QuizPassed(user_id, lesson_id, "basics", uuid.uuid4(), 2, 3, at)


def quiz_perfect(user_id: uuid.UUID, at: datetime, lesson_id: uuid.UUID) -> QuizPerfect:
    return QuizPerfect(user_id, lesson_id, "basics", uuid.uuid4(), 3, at)


def course_done(user_id: uuid.UUID, at: datetime) -> CourseCompleted:
    return CourseCompleted(user_id, uuid.uuid4(), "basics", at)


async def points_history(db: AsyncSession, user_id: uuid.UUID) -> list[int]:
    """The user's points postings, oldest first."""
    entries = await history(db, user_id, currency=Currency.POINTS, before_seq=None, limit=1000)
    return [entry.amount for entry in reversed(entries)]


# Voucher products, funded learners and partner keys

FEE_TERMS = {"market": "cn_a_share", "waive_commission_up_to_cny": "5", "trades": 10}


YIELD_TERMS = {
    "product_name": "Cash management money-market fund",
    "product_type": "money_market",
    "boost_pct_per_year": 1.5,
    "principal_cap_cny": 10000,
    "days": 7,
}


ProductFactory = Callable[..., Awaitable[VoucherProduct]]


Funder = Callable[[uuid.UUID, int], Awaitable[None]]


def draft(**overrides: Any) -> ProductDraft:
    fields: dict[str, Any] = {
        "sku": f"test-{uuid.uuid4().hex[:12]}",
        "kind": "fee",
        "title": "A股免五券",
        "terms": FEE_TERMS,
        "points_price": 30,
        "total_stock": 100,
        "per_user_limit": 100,
        "validity_days": 30,
    }
    if overrides.get("kind") == "yield":
        fields |= {"terms": YIELD_TERMS, "product_risk_level": "R1"}
    return ProductDraft(**(fields | overrides))


def product_factory_for(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> ProductFactory:
    async def create(**overrides: Any) -> VoucherProduct:
        async with sessionmaker.begin() as db:
            return await create_product(db, draft(**overrides), now=clock.now())

    return create


def funder_for(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Funder:
    async def fund(user_id: uuid.UUID, points: int) -> None:
        async with sessionmaker.begin() as db:
            await earn(
                db,
                user_id=user_id,
                points=points,
                xp=0,
                key=f"test-fund:{uuid.uuid4()}",
                reference="test",
                reason={"code": "test"},
                now=clock.now(),
            )

    return fund


@dataclass(frozen=True)
class PartnerKey:
    id: uuid.UUID
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {PARTNER_KEY_HEADER: self.key}


async def complete_course(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    user_id: uuid.UUID,
    slug: str,
) -> None:
    """Record a finished course the way the learning domain does: a completed progress row."""
    async with sessionmaker.begin() as db:
        course_id = await db.scalar(sa.select(col(Course.id)).where(col(Course.slug) == slug))
        if course_id is None:
            course = Course(slug=slug, created_at=clock.now())
            db.add(course)
            await db.flush()
            course_id = course.id
        db.add(
            CourseProgress(
                user_id=user_id,
                course_id=course_id,
                started_at=clock.now() - timedelta(days=1),
                updated_at=clock.now(),
                completed_at=clock.now(),
            )
        )


async def redeem(
    client: AsyncClient,
    headers: dict[str, str],
    product_id: uuid.UUID,
    key: str | None = None,
) -> Response:
    return await client.post(
        "/v1/vouchers/redemptions",
        json={"product_id": str(product_id)},
        headers=headers | {"Idempotency-Key": key or uuid.uuid4().hex},
    )


async def points_of(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, user_id: uuid.UUID
) -> int:
    async with sessionmaker() as db:
        return (await balances(db, user_id, now=clock.now())).points


async def vouchers_of(
    sessionmaker: async_sessionmaker[AsyncSession], product_id: uuid.UUID
) -> list[Voucher]:
    async with sessionmaker() as db:
        rows = await db.scalars(sa.select(Voucher).where(col(Voucher.product_id) == product_id))
        return list(rows.all())


async def remaining_stock(
    sessionmaker: async_sessionmaker[AsyncSession], product_id: uuid.UUID
) -> int:
    async with sessionmaker() as db:
        stock = await db.scalar(
            sa.select(col(VoucherProduct.remaining_stock)).where(
                col(VoucherProduct.id) == product_id
            )
        )
    assert stock is not None
    return int(stock)
