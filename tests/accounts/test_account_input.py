"""What sign-up and the profile accept: common passwords, display names, email normal forms."""

import pytest
from httpx import AsyncClient, Response

from api.accounts.display_names import clean_display_name, display_name_problem
from api.accounts.passwords import common_passwords
from tests.factories import PASSWORD, UserFactory


async def register(client: AsyncClient, **fields: str) -> Response:
    body = {
        "email": "mei@example.com",
        "password": "a long passphrase",
        "display_name": "Mei",
        **fields,
    }
    return await client.post("/v1/auth/register", json=body)


def refused_fields(response: Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


def test_the_shipped_common_password_list_has_at_least_ten_thousand_entries() -> None:
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert {"password", "iloveyou", "qwertyuiop", "baseball"} <= passwords


@pytest.mark.parametrize(
    ("password", "display_name"),
    [
        ("password", "Mei"),
        ("BaseBall", "Mei"),  # case does not matter
        ("ｉｌｏｖｅｙｏｕ", "Mei"),  # nor full-width letters
        ("  qwertyuiop ", "Mei"),
        ("Mei Lin Chen", "mei lin chen"),  # the display name
        ("MEI@example.com", "Mei"),  # the email and its local part
    ],
)
async def test_register_refuses_guessable_passwords_naming_the_field(
    client: AsyncClient, password: str, display_name: str
) -> None:
    response = await register(client, password=password, display_name=display_name)
    assert refused_fields(response) == ["password"]


async def test_a_password_change_refuses_guessable_passwords_naming_the_new_one(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    display_name = user.email.partition("@")[0]
    for new in ("football", "SUNSHINE", display_name):
        response = await client.post(
            "/v1/me/password",
            json={"current_password": PASSWORD, "new_password": new},
            headers=user.headers,
        )
        assert refused_fields(response) == ["new_password"], new
    assert (await client.get("/v1/me", headers=user.headers)).status_code == 200


UNSAFE_NAMES = [
    "\u202egnp.exe\u202c",
    "\u2066admin\u2069",
    "ad\u200bmin",
    "ad\u200cmin",
    "ad\u200dmin",
    "ad\u2060min",
    "\ufeffadmin",
    "admin\u200e",
    "admin\u200f",
    "admin\u061c",
    "a\r\nX-Injected: 1",
    "line\nbreak",
    "tab\there",
    "bell\x07",
    "soft\u00adhyphen",
    "para\u2029graph",
]


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_control_format_and_invisible_characters_are_refused(name: str) -> None:
    assert display_name_problem(name) == (
        "must not contain control, formatting or invisible characters"
    )


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("  Mei  ", "Mei"),
        ("Ｍｅｉ　Ｌｉｎ", "Mei Lin"),
        ("李梅 🌸", "李梅 🌸"),
        ("x" * 64, "x" * 64),
    ],
)
def test_display_names_are_stored_nfkc_and_trimmed(name: str, stored: str) -> None:
    assert clean_display_name(name) == stored


def test_a_display_name_longer_than_64_after_normalisation_is_refused() -> None:
    # U+337F (one character) is "株式会社" (four) under NFKC.
    assert display_name_problem("\u337f" * 16) is None
    assert display_name_problem("\u337f" * 17) == "must be at most 64 characters"
    assert display_name_problem(" \u3000 ") == "must not be blank"


async def test_patch_me_refuses_unsafe_display_names_and_keeps_the_old_one(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    user = await user_factory()
    before = (await client.get("/v1/me", headers=user.headers)).json()["display_name"]
    for name in [*UNSAFE_NAMES, "   ", "\u337f" * 17]:
        response = await client.patch("/v1/me", json={"display_name": name}, headers=user.headers)
        assert refused_fields(response) == ["display_name"], name
    after = (await client.get("/v1/me", headers=user.headers)).json()["display_name"]
    assert after == before
    changed = await client.patch(
        "/v1/me", json={"display_name": "  Ｌｉｎ  "}, headers=user.headers
    )
    assert changed.json()["display_name"] == "Lin"


async def test_register_refuses_an_unsafe_display_name_and_stores_the_normal_form(
    client: AsyncClient,
) -> None:
    assert refused_fields(await register(client, display_name="\u202egnp.exe")) == ["display_name"]
    created = await register(client, display_name=" Ｍｅｉ ")
    assert created.status_code == 201
    assert created.json()["user"]["display_name"] == "Mei"


async def test_full_width_email_is_the_same_account_as_its_ascii_form(
    client: AsyncClient,
) -> None:
    created = await register(client, email="ＡＤＭＩＮ＠example.com")
    assert created.status_code == 201
    assert created.json()["user"]["email"] == "admin@example.com"
    again = await register(client, email="admin@example.com")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/email-taken")
    login = await client.post(
        "/v1/auth/login",
        json={"email": "ａｄｍｉｎ@ｅｘａｍｐｌｅ.com", "password": "a long passphrase"},
    )
    assert login.status_code == 200


async def test_ascii_email_then_full_width_is_409(client: AsyncClient) -> None:
    assert (await register(client, email="admin@example.com")).status_code == 201
    taken = await register(client, email="ＡＤＭＩＮ@example.com")
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("/email-taken")
