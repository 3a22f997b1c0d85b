"""The accounts services refuse with domain errors, like every other area; HTTP is decided in
`api.problems`, so the CLI and the API both understand them."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts import throttle
from api.accounts.errors import EmailTaken, InvalidEmail, Throttled, WeakPassword
from api.accounts.passwords import check_password_rules
from api.accounts.sessions import create_account, normalise_email
from api.settings import Settings
from core.clock import FrozenClock
from core.errors import DomainError


def test_a_bad_email_is_a_domain_error_naming_the_field() -> None:
    with pytest.raises(InvalidEmail) as refused:
        normalise_email("not an email")
    assert isinstance(refused.value, DomainError)
    assert [field for field, _ in refused.value.errors or ()] == ["email"]


def test_a_weak_password_names_the_field_it_came_in() -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password_rules(
            "short", email="a@example.com", display_name=None, field="new_password"
        )
    assert refused.value.errors == (("new_password", "must be 8 to 128 characters"),)


async def test_a_taken_email_is_a_domain_error(
    db: AsyncSession, settings: Settings, clock: FrozenClock
) -> None:
    email, password = "taken@example.com", "a long passphrase"
    await create_account(
        db, settings, email=email, password=password, display_name="first", now=clock.now()
    )
    with pytest.raises(EmailTaken):
        await create_account(
            db, settings, email=email, password=password, display_name="second", now=clock.now()
        )


async def test_a_throttled_signup_says_when_to_retry(db: AsyncSession, clock: FrozenClock) -> None:
    await throttle.count_signup(db, client_ip="192.0.2.9", limit=1, now=clock.now())
    later = clock.now() + timedelta(minutes=30)
    with pytest.raises(Throttled) as refused:
        await throttle.count_signup(db, client_ip="192.0.2.9", limit=1, now=later)
    assert refused.value.retry_after_seconds == 30 * 60 + 1
