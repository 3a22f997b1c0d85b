"""The console's pages do their work through the API's services and say the API's problems
next to the fields at fault, writing nothing on a problem."""

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import yaml
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import FrozenClock
from tests.console.conftest import sign_in
from tests.factories import UserFactory
from tests.helpers import answers_for, bundle_doc

EN = {"Accept-Language": "en"}


def _bundle_file(
    document: dict[str, Any], name: str = "course.yaml"
) -> dict[str, tuple[str, bytes, str]]:
    """A bundle as the upload form sends it: YAML, or JSON for a `.json` name."""
    if name.endswith(".json"):
        return {"bundle": (name, json.dumps(document).encode(), "application/json")}
    body = yaml.safe_dump(document, allow_unicode=True).encode()
    return {"bundle": (name, body, "application/yaml")}


async def test_a_bundle_with_problems_is_listed_then_fixed_and_published(
    console: AsyncClient, client: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    editor = await user_factory(roles=["editor"], locale="en")
    csrf = await sign_in(console, editor.email)
    broken = bundle_doc("console-course")
    broken["locales"]["en"]["lessons"][1]["quiz"]["pass_score"] = 300
    del broken["locales"]["zh-CN"]["title"]
    answer = await console.post(
        "/console/courses/upload", data={"_csrf": csrf}, files=_bundle_file(broken)
    )
    assert answer.status_code == 422
    assert "zh-CN.title" in answer.text
    assert "en.lessons[1].quiz.pass_score" in answer.text
    stored = await db.scalar(
        sa.text("SELECT count(*) FROM course_course WHERE slug = 'console-course'")
    )
    assert stored == 0

    fixed = bundle_doc("console-course")
    answer = await console.post(
        "/console/courses/upload",
        data={"_csrf": csrf},
        files=_bundle_file(fixed, "course.json"),
    )
    assert answer.status_code == 200
    assert "console-course: version 1, draft" in answer.text
    assert "Publish draft version 1" in answer.text

    answer = await console.post("/console/courses/console-course/publish", data={"_csrf": csrf})
    assert answer.status_code == 200
    assert "console-course: version 1 published" in answer.text
    again = await console.post("/console/courses/console-course/publish", data={"_csrf": csrf})
    assert again.status_code == 409
    audit = await db.scalar(
        sa.text(
            "SELECT count(*) FROM audit_log WHERE object_id = 'console-course' AND actor_id = :u"
        ),
        {"u": editor.id},
    )
    assert audit == 2  # the import and the publication

    learner = await user_factory()
    course = (await client.get("/v1/courses/console-course", headers=learner.headers)).json()
    lesson_id = course["lessons"][0]["id"]
    await client.get(f"/v1/lessons/{lesson_id}", headers=learner.headers)
    attempt = await client.post(
        f"/v1/lessons/{lesson_id}/quiz-attempts",
        json={"answers": answers_for(0, wrong=["single"])},
        headers=learner.headers,
    )
    assert attempt.status_code == 200
    stats = await console.get("/console/courses/console-course")
    assert stats.status_code == 200
    assert stats.text.count("<svg") == 2
    assert "English tempting" in stats.text  # the most chosen wrong answer


async def test_a_voucher_product_is_created_with_the_apis_problems_first(
    console: AsyncClient, user_factory: UserFactory, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en")
    csrf = await sign_in(console, marketer.email)
    bad = {
        "_csrf": csrf,
        "sku": "Fee A",
        "kind": "fee",
        "title": "券",
        "terms": "{not json",
        "points_price": "many",
        "total_stock": "100",
        "per_user_limit": "1",
        "validity_days": "30",
    }
    answer = await console.post("/console/vouchers", data=bad)
    assert answer.status_code == 422
    assert "may use only lowercase letters" in answer.text
    assert "must be a whole number" in answer.text
    assert 'value="Fee A"' in answer.text  # what was typed stays in the form
    good = bad | {
        "sku": "fee-console",
        "points_price": "200",
        "terms": json.dumps({"market": "cn_a_share", "rebate_cny": "5.00"}),
        "lifecycle_stages": ["new", "growing"],
    }
    answer = await console.post("/console/vouchers", data=good)
    assert answer.status_code == 303, answer.text
    page = await console.get(answer.headers["location"])
    assert page.status_code == 200
    assert "<svg" in page.text
    row = (
        await db.execute(
            sa.text("SELECT id, lifecycle_stages FROM voucher_product WHERE sku = 'fee-console'")
        )
    ).one()
    assert row.lifecycle_stages == ["new", "growing"]

    taken = await console.post("/console/vouchers", data=good)
    assert taken.status_code == 409

    edit = {k: v for k, v in good.items() if k not in ("sku", "kind")} | {
        "total_stock": "150",
        "title_en": "Rebate",
    }
    answer = await console.post(f"/console/vouchers/{row.id}", data=edit)
    assert answer.status_code == 200
    assert "Saved." in answer.text
    stock = await db.scalar(
        sa.text("SELECT total_stock FROM voucher_product WHERE id = :id"), {"id": row.id}
    )
    assert stock == 150
    refused = await console.post(f"/console/vouchers/{row.id}", data=edit | {"validity_days": "0"})
    assert refused.status_code == 422
    assert "validity_days" in refused.text
    blank = await console.post(f"/console/vouchers/{row.id}", data=edit | {"points_price": ""})
    assert blank.status_code == 422
    assert "must be a whole number" in blank.text
    price = await db.scalar(
        sa.text("SELECT points_price FROM voucher_product WHERE id = :id"), {"id": row.id}
    )
    assert price == 200


async def test_a_contest_is_created_from_the_rule_pack_form(
    console: AsyncClient, user_factory: UserFactory, clock: FrozenClock, db: AsyncSession
) -> None:
    marketer = await user_factory(roles=["marketer"], locale="en")
    csrf = await sign_in(console, marketer.email)
    start = clock.now() + timedelta(days=1)
    form = {
        "_csrf": csrf,
        "title.zh-CN": "控制台赛",
        "title.en": "Console cup",
        "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),
        "market_hours": "always",
        "ranking": "return",
        "late_entry": "true",
        "rules.commission_rate": "0.5",
        "prizes[0].rank_from": "3",
        "prizes[0].rank_to": "1",
        "prizes[0].points": "100",
    }
    answer = await console.post("/console/contests", data=form)
    assert answer.status_code == 422
    assert "rules.commission_rate" in answer.text
    assert (
        await db.scalar(sa.text("SELECT count(*) FROM contest WHERE title_en = 'Console cup'")) == 0
    )
    form |= {"ends_at": (start + timedelta(days=5)).isoformat(), "rules.commission_rate": "0.0002"}
    answer = await console.post("/console/contests", data=form)
    assert answer.status_code == 422
    assert "prizes[0].rank_to" in answer.text  # the domain's own check, after the API's
    form |= {"prizes[0].rank_from": "1", "prizes[0].rank_to": "3", "min_activity.round_trips": "2"}
    answer = await console.post("/console/contests", data=form)
    assert answer.status_code == 303, answer.text
    page = await console.get(answer.headers["location"])
    assert "Console cup" in page.text
    assert "Not finalised" in page.text
    assert "1–3: 100" in page.text
    assert "Round trips 2" in page.text
    listing = await console.get("/console/contests")
    assert "upcoming" in listing.text


async def test_the_audit_log_is_filtered_by_action_and_time(
    console: AsyncClient, user_factory: UserFactory, clock: FrozenClock
) -> None:
    admin = await user_factory(roles=["admin"], locale="en")
    csrf = await sign_in(console, admin.email)
    await console.post(
        "/console/courses/upload", data={"_csrf": csrf}, files=_bundle_file(bundle_doc("audited"))
    )
    found = await console.get("/console/audit", params={"action": "course.import"})
    assert found.status_code == 200
    assert "audited" in found.text
    none = await console.get("/console/audit", params={"action": "course.publish"})
    assert "audited" not in none.text
    later = (clock.now() + timedelta(minutes=1)).isoformat()
    assert "audited" not in (await console.get("/console/audit", params={"since": later})).text
    bad = await console.get("/console/audit", params={"actor": "someone", "since": "yesterday"})
    assert bad.status_code == 422
    assert "must be a UUID" in bad.text


async def test_the_console_is_not_in_the_openapi_document(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/console")]


async def test_pinned_htmx_is_served_by_the_app(console: AsyncClient) -> None:
    answer = await console.get("/console/static/htmx-2.0.11.min.js")
    assert answer.status_code == 200
    assert answer.text.startswith("var htmx=")
