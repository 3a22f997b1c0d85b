"""The message catalogue: every problem code and message the code raises has a title and a
detail in each locale, with the same parameters in each. Walks the code, so a new error or
a new raise site without its messages fails here, not in front of a learner."""

import ast
import importlib
import pkgutil
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.problems import _HTTP_PROBLEMS
from core.errors import DomainError
from core.messages import DETAILS, MESSAGE_LOCALES, TITLES, Texts
from courses import gating
from gamification.contests.errors import RegistrationClosed
from gamification.vouchers import eligibility
from gamification.vouchers.terms import MARKETS, YIELD_PRODUCT_TYPES
from gamification.vouchers.wording import terms_text

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "core", "courses", "gamification")
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _import_everything() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not module.name.endswith("__main__"):  # the CLI runs when imported
                importlib.import_module(module.name)


def _subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _domain_errors() -> list[type[DomainError]]:
    _import_everything()
    return [cls for cls in _subclasses(DomainError) if cls.__module__.split(".")[0] in PACKAGES]


def _problem_calls() -> Iterator[tuple[str, ast.Call]]:
    """Every call that raises or returns a problem by code: `ProblemError(status, code, ...)`
    and `catalogued_problem(..., code=..., message=...)`."""
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in ("ProblemError", "catalogued_problem")
                ):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _parameters(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("catalogue", [TITLES, DETAILS], ids=["titles", "details"])
def test_every_message_is_in_each_locale_with_the_same_parameters(catalogue: Texts) -> None:
    for key, entry in catalogue.items():
        assert set(entry) == set(MESSAGE_LOCALES), key
        assert _parameters(entry["en"]) == _parameters(entry["zh-CN"]), key
        assert all(text.strip() for text in entry.values()), key


def test_every_domain_error_has_a_title_and_a_detail() -> None:
    errors = _domain_errors()
    assert len(errors) > 30  # the walk found the domains' errors
    missing = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in errors
        if cls.code not in TITLES or (cls.message or cls.code) not in DETAILS
    ]
    # These three choose their detail by the reason they were raised with (tested below and in
    # their areas' tests).
    dynamic = ("CourseLocked", "NotEligible", "RegistrationClosed")
    missing = [name for name in missing if not name.endswith(dynamic)]
    assert missing == []


def test_every_reason_a_contest_refuses_joining_for_has_its_words() -> None:
    for reason in ("finished", "registration-ended", "no-late-entry"):
        error = RegistrationClosed(reason=reason)
        assert error.message_key in DETAILS
        assert error.problem_fields() == {"reason": reason}


def test_every_problem_raised_by_code_has_its_title_and_message() -> None:
    missing = []
    for where, call in _problem_calls():
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        code = _literal(call.args[1] if len(call.args) > 1 else keywords.get("code"))
        message = _literal(keywords.get("message"))
        if code is not None and code not in TITLES:
            missing.append(f"{where}: title {code}")
        if message is not None and message not in DETAILS:
            missing.append(f"{where}: message {message}")
    assert missing == []
    assert set(_HTTP_PROBLEMS.values()) <= set(TITLES)


def test_every_course_lock_reason_has_a_title_and_a_message() -> None:
    for reason in gating.RISK_ASSESSMENT_REQUIRED, gating.RISK_PROFILE_TOO_LOW:
        lock = gating.course_lock(
            min_risk_profile="C4",
            prerequisites=(),
            risk_profile=None if reason == gating.RISK_ASSESSMENT_REQUIRED else "C2",
            completed_courses=set(),
        )
        assert lock is not None
        assert lock.code == reason
    for reason in (
        gating.RISK_ASSESSMENT_REQUIRED,
        gating.RISK_PROFILE_TOO_LOW,
        gating.PREREQUISITES_INCOMPLETE,
    ):
        assert reason in TITLES
        assert f"course-locked.{reason}" in DETAILS


def test_every_ineligibility_has_its_message() -> None:
    hour = timedelta(hours=1)
    problems = [
        eligibility.sale_window_problem(NOW + hour, None, NOW),
        eligibility.sale_window_problem(None, NOW, NOW),
        eligibility.profile_problem(
            product_risk_level="R2", lifecycle_stages=(), risk_profile=None, lifecycle_stage="new"
        ),
        eligibility.profile_problem(
            product_risk_level="R3", lifecycle_stages=(), risk_profile="C1", lifecycle_stage="new"
        ),
        eligibility.profile_problem(
            product_risk_level=None,
            lifecycle_stages=eligibility.LIFECYCLE_STAGES[1:],
            risk_profile=None,
            lifecycle_stage="new",
        ),
        eligibility.course_problem("funds", "Funds and ETFs"),
    ]
    for problem in problems:
        assert problem is not None
        assert problem.message in DETAILS, problem


def test_terms_read_as_a_sentence_in_each_locale() -> None:
    fee = {"type": "commission_waiver", "waive_commission_up_to_cny": "5.00", "trades": 10}
    for market in MARKETS:
        for locale in MESSAGE_LOCALES:
            text = terms_text({**fee, "market": market}, locale=locale, validity_days=30)
            assert "market." not in text
            assert "{" not in text
    assert terms_text({**fee, "market": "cn_a_share"}, locale="en", validity_days=30) == (
        "Commission waived up to ¥5.00 a trade on 10 trades of A shares on the Shanghai and "
        "Shenzhen exchanges, valid 30 days"
    )
    assert terms_text({**fee, "market": "cn_a_share"}, locale="zh-CN", validity_days=30) == (
        "沪深A股交易佣金每笔最高减免¥5.00，共10笔，30天内有效"
    )
    boost = {
        "type": "rate_boost",
        "product_name": "货币基金甲",
        "product_name_en": "Money fund A",
        "boost_pct_per_year": "1.50",
        "principal_cap_cny": "10000.00",
        "days": 7,
        "product_risk_level": "R1",
    }
    for product_type in YIELD_PRODUCT_TYPES:
        text = terms_text({**boost, "product_type": product_type}, locale="en")
        assert text.startswith("+1.50% a year on Money fund A (")
        assert "product-type." not in text
    assert "货币基金甲" in terms_text({**boost, "product_type": "money_market"}, locale="zh-CN")
