"""The console end to end in a real browser (chromium): sign-in, a refused learner, a bundle
uploaded with problems shown inline, fixed and published, a voucher product created, the
contests and audit pages, all with the keyboard where a person would use it. Each page's
screenshot is written to $CONSOLE_SCREENSHOTS when it is set (docs/console for the README)."""

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from httpx import AsyncClient
from litestar import Litestar
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FrozenClock
from gamification.outcomes.rollup import roll_up
from tests.community.helpers import write
from tests.console.browser import SCREENSHOTS, chromium_path, served
from tests.factories import PASSWORD, TestUser, UserFactory
from tests.helpers import Funder, answers_for, bundle_doc, funder_for, redeem

pytestmark = pytest.mark.committing

# A page waits on the server, which shares the machine with the rest of the suite: give each
# expectation more than Playwright's default 5 s before calling it a failure.
expect.set_options(timeout=15_000)


@pytest.fixture
def fund(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Funder:
    return funder_for(sessionmaker, clock)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One browser for the whole run."""
    executable = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable)
        yield browser
        await browser.close()


async def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS is None:
        return
    # Playwright creates the folder when it is missing.
    await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _go(page: Page, link: str, url: str) -> None:
    """Follow a navigation link (htmx swaps the page in) and wait until the page is there."""
    await page.get_by_role("navigation").get_by_role("link", name=link).click()
    await expect(page).to_have_url(url)
    await expect(page.get_by_role("heading", level=1)).to_have_text(link)


async def _sign_in(page: Page, base: str, email: str) -> None:
    await page.goto(f"{base}/console/sign-in")
    # The email field takes the focus on its own (autofocus), but only at the browser's next
    # rendering step, which on a loaded machine can come after "load": wait for it.
    await expect(page.locator("#f-email")).to_be_focused()
    await page.keyboard.type(email)
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")


async def test_a_learner_is_refused(
    browser: Browser, app: Litestar, user_factory: UserFactory
) -> None:
    learner = await user_factory(locale="en", email="lin.learner@example.com")
    async with served(app) as base:
        context = await browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        await _sign_in(page, base, learner.email)
        await expect(page.get_by_role("alert")).to_contain_text("for editors, marketers")
        await expect(page).to_have_url(f"{base}/console/sign-in")
        await _shot(page, "sign-in-refused")
        await context.close()


async def _learners_at_work(
    client: AsyncClient, user_factory: UserFactory, clock: FrozenClock, slug: str
) -> list[TestUser]:
    """Three learners open the first lesson, answer its quiz (two of them wrongly) and two
    finish it: figures for the course's charts."""
    learners = [await user_factory() for _ in range(3)]
    lessons = (await client.get(f"/v1/courses/{slug}")).json()["lessons"]
    first = lessons[0]["id"]
    for n, learner in enumerate(learners):
        await client.get(f"/v1/lessons/{first}", headers=learner.headers)
        wrong = [["single"], ["single", "tf"], []][n]
        answers = {"answers": answers_for(0, wrong=wrong)}
        await client.post(
            f"/v1/lessons/{first}/quiz-attempts", json=answers, headers=learner.headers
        )
    await client.get(f"/v1/lessons/{lessons[1]['id']}", headers=learners[0].headers)
    clock.advance(timedelta(minutes=5))
    for learner in learners[:2]:
        done = await client.post(f"/v1/lessons/{first}/complete", headers=learner.headers)
        assert done.status_code == 200, done.text
    return learners


async def _build_segment(page: Page) -> None:
    """New learners (the builder's first row) with at least 300 points, and none of them in
    the C5 risk profile: the three funded learners, counted as each row is filled in."""
    count = page.locator("#segment-count")
    await expect(count).to_contain_text("In the segment now")
    await page.get_by_label("Name", exact=True).fill("Funded learners")
    await page.get_by_role("button", name="Add a condition to group 1").click()
    await page.get_by_label("Group 1, condition 2: field").select_option("points_balance")
    operator = page.get_by_label("Group 1, condition 2: operator")
    await expect(operator.locator("option[value='gte']")).to_have_count(1)  # the field's own
    await operator.select_option("gte")
    await page.get_by_label("Group 1, condition 2: value").fill("300")
    await expect(count).to_contain_text("In the segment now: 3 learners")
    await page.get_by_role("button", name="Add a group").click()
    await page.get_by_label("This group matches").nth(1).select_option("none")
    await page.get_by_label("Group 2, condition 1: field").select_option("risk_profile")
    await expect(page.get_by_label("Group 2, condition 1: operator")).to_have_value("eq")
    await page.get_by_label("Group 2, condition 1: value").fill("C5")
    await expect(count).to_contain_text('"risk_profile"')
    await expect(count).to_contain_text("In the segment now: 3 learners")


async def _define_campaign(page: Page, clock: FrozenClock) -> str:
    """Points for the segment, once tomorrow: first with a budget below one grant (refused,
    the problem by its field), then fixed and saved as a draft; the campaign's address."""
    tomorrow = (clock.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    await page.get_by_label("Campaign name").fill("Spring gift")
    # Only the chosen action's and schedule's fields show.
    await page.get_by_label("Inbox message").check()
    await expect(page.get_by_label("Message title (en)")).to_be_visible()
    await expect(page.get_by_label("Points each")).to_be_hidden()
    await page.get_by_label("repeatedly (cron)").check()
    await expect(page.get_by_label("Cron expression")).to_be_visible()
    await expect(page.get_by_label("Run at")).to_be_hidden()
    await page.get_by_label("once, at a time").check()
    await page.get_by_label("Grant points").check()
    await expect(page.get_by_label("Message title (en)")).to_be_hidden()
    await page.get_by_label("Points each").fill("50")
    await page.get_by_label("Budget (points)").fill("10")
    await page.get_by_label("Reason (zh-CN)").fill("新春红包")
    await page.get_by_label("Reason (en)").fill("New Year gift")
    await page.get_by_label("Run at").fill(tomorrow.isoformat())
    await page.get_by_role("button", name="Save as draft").click()
    problem = page.locator('[id="budget_points-error"]')
    await expect(problem).to_contain_text("smaller than one delivery (50 points)")
    await expect(page.get_by_label("Points each")).to_have_value("50")  # kept as typed
    await _shot(page, "campaign-form")
    await page.get_by_label("Budget (points)").fill("1000")
    await page.get_by_role("button", name="Save as draft").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Spring gift")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("draft")
    return page.url


async def test_staff_work_through_the_console(
    browser: Browser,
    app: Litestar,
    client: AsyncClient,
    user_factory: UserFactory,
    fund: Funder,
    clock: FrozenClock,
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    admin = await user_factory(roles=["admin"], locale="en", email="mei.admin@example.com")
    broken = bundle_doc("browser-course")
    broken["locales"]["en"]["lessons"][0]["quiz"]["pass_score"] = 300
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True))
    (tmp_path / "fixed.json").write_text(json.dumps(bundle_doc("browser-course")))
    errors: list[str] = []
    async with served(app) as base:
        context = await browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{base}/console/sign-in")
        await _shot(page, "sign-in")
        await _sign_in(page, base, admin.email)
        await expect(page.get_by_role("heading", level=1)).to_have_text("InvestQuest console")
        cookie = next(c for c in await context.cookies() if c["name"] == "iq_console")
        assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")

        # Courses: the problems inline with their paths, then fixed and published.
        await _go(page, "Courses", f"{base}/console/courses")
        await page.get_by_label("Bundle file").set_input_files(tmp_path / "broken.yaml")
        await page.get_by_role("button", name="Upload").click()
        problems = page.locator("#bundle-problems")
        await expect(problems).to_contain_text("en.lessons[0].quiz.pass_score")
        await _shot(page, "courses-problems")
        await page.get_by_label("Bundle file").set_input_files(tmp_path / "fixed.json")
        await page.get_by_role("button", name="Upload").click()
        await expect(page.get_by_role("status")).to_contain_text("browser-course: version 1, draft")
        await page.get_by_role("button", name="Publish draft version 1").focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("status")).to_contain_text("version 1 published")
        await _shot(page, "courses")
        learners = await _learners_at_work(client, user_factory, clock, "browser-course")
        await page.get_by_role("link", name="browser-course").click()
        await expect(page.locator("main")).to_contain_text("English tempting")  # most chosen wrong
        await expect(page.locator("svg.chart")).to_have_count(2)
        await _shot(page, "course-figures")

        # Voucher products: a problem next to its field, then created.
        await _go(page, "Voucher products", f"{base}/console/vouchers")
        await page.get_by_label("SKU").fill("fee-browser")
        await page.get_by_label("Title (zh-CN)").fill("浏览器券")
        await page.get_by_label("Terms (JSON)").fill(
            '{"market": "cn_a_share", "rebate_cny": "5.00"}'
        )
        await page.get_by_label("Points price").fill("0")
        await page.get_by_label("Total stock").fill("100")
        await page.get_by_label("Per-user limit").fill("1")
        await page.get_by_label("Validity (days)").fill("30")
        await page.get_by_role("button", name="Create").click()
        await expect(page.locator("#points_price-error")).to_contain_text("must be at least 1")
        await _shot(page, "vouchers-problems")
        await page.get_by_label("Points price").fill("150")
        await page.get_by_role("button", name="Create").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("fee-browser")
        await expect(page.locator("svg.chart")).to_have_count(2)
        product_id = page.url.rsplit("/", 1)[1]
        for learner in learners:
            await fund(learner.id, 500)
            assert (await redeem(client, learner.headers, uuid.UUID(product_id))).status_code == 201
        await page.reload()
        await expect(page.locator("main")).to_contain_text("Issued: 3")
        await _shot(page, "voucher")
        await page.get_by_label("Total stock").fill("120")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("Saved.")
        await expect(page.locator("main")).to_contain_text("Remaining stock: 117 / 120")

        # Contests: created from the rule pack form; its standings and finalisation.
        await _go(page, "Contests", f"{base}/console/contests")
        start = clock.now() + timedelta(days=1)
        await page.get_by_label("Title (zh-CN)").fill("浏览器杯")
        await page.get_by_label("Title (en)").fill("Browser cup")
        await page.get_by_label("Starts").fill(start.isoformat())
        await page.get_by_label("Ends", exact=True).fill((start + timedelta(days=7)).isoformat())
        await page.get_by_label("Commission rate").fill("0.0002")
        await page.get_by_role("button", name="Create").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Browser cup")
        await expect(page.locator("main")).to_contain_text("Not finalised")
        await _shot(page, "contest")
        await _go(page, "Contests", f"{base}/console/contests")
        await _shot(page, "contests")

        # The audit log, filtered in place.
        await _go(page, "Audit log", f"{base}/console/audit")
        await page.get_by_label("Action").fill("voucher_product.create")
        await page.get_by_label("Action").press("Enter")
        await expect(page.locator("#audit-results tbody tr")).to_have_count(1)
        await expect(page).to_have_url(
            f"{base}/console/audit?actor=&action=voucher_product.create&since=&until="
        )
        await _shot(page, "audit")

        # Moderation: the held post with its rule marked, approved with a reason.
        author = await user_factory(created_days_ago=400)
        held = (await write(client, author, "这只股票稳赚，跟我买")).json()
        await _go(page, "Moderation", f"{base}/console/moderation")
        await expect(page.locator("blockquote mark")).to_have_count(1)
        await _shot(page, "moderation")
        await page.get_by_label("Decision").select_option("approve")
        await page.get_by_label("Reason").fill("An opinion, not a tip")
        await page.get_by_role("button", name="Decide").click()
        await expect(page.get_by_role("status")).to_contain_text("pending → published")
        assert held["status"] == "pending"

        # Outcomes: every measure over the range asked for, updated in place.
        await roll_up(sessionmaker, now=clock.now(), zone=ZoneInfo("Asia/Shanghai"))
        await _go(page, "Outcomes", f"{base}/console/outcomes")
        await page.get_by_label("From").fill("2026-01-01")
        await page.get_by_role("button", name="Show").click()
        await expect(page).to_have_url(re.compile(r".*/console/outcomes\?from=2026-01-01&to=.*"))
        await expect(page.locator("#m-funnel tbody tr")).to_have_count(5)
        await expect(page.locator("#m-retention tbody tr")).to_have_count(3)
        await _shot(page, "outcomes")

        # Campaigns: a segment built from condition rows and counted live, then a campaign for
        # it defined in the form (a problem shown by its field, fixed), scheduled, dry-run.
        await _go(page, "Campaigns", f"{base}/console/campaigns")
        await _build_segment(page)
        await _shot(page, "campaigns")
        await page.get_by_role("button", name="Create segment").click()
        await expect(page.get_by_role("status")).to_contain_text("Segment “Funded learners”")
        await page.get_by_role("link", name="New campaign for this segment").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("New campaign")
        campaign_page = await _define_campaign(page, clock)
        await expect(page).to_have_url(campaign_page)
        await page.get_by_role("button", name="Schedule").click()
        await expect(page.get_by_role("status")).to_contain_text("draft → scheduled")
        await page.get_by_role("button", name="Dry run").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "A run now would target 3, grant 150 points"
        )
        await expect(page).to_have_url(campaign_page)
        await _shot(page, "campaign")

        # In Chinese, and signed out.
        await page.get_by_role("link", name="中文").click()
        await expect(page).to_have_url(campaign_page)
        await expect(page.get_by_role("navigation")).to_contain_text("审计日志")
        await expect(page.get_by_role("button", name="试运行")).to_be_visible()
        await page.get_by_role("button", name="退出登录").click()
        await expect(page).to_have_url(f"{base}/console/sign-in")
        await page.goto(f"{base}/console/audit")
        await expect(page).to_have_url(f"{base}/console/sign-in")
        await context.close()
    # No CSP violation, script error or missing resource; a form's problems answer 422.
    assert [error for error in errors if "status of 422" not in error] == []
