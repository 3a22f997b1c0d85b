"""The operator's commands for roles and partner keys: clear one-line refusals, audited changes."""

import getpass
import subprocess
import sys

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


def investquest(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        input=stdin, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def refused_in_one_line(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert words in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def test_partner_keys_rotate_and_are_listed_and_a_taken_name_is_one_line(
    cli_env: dict[str, str],
) -> None:
    created = investquest(cli_env, "partners", "create", "broker-core")
    assert created.returncode == 0, created.stderr
    refused_in_one_line(investquest(cli_env, "partners", "create", "broker-core"), "already")
    rotated = investquest(cli_env, "partners", "rotate", "broker-core")
    assert rotated.returncode == 0, rotated.stderr
    new_key = rotated.stdout.strip().splitlines()[-1]
    assert new_key.startswith("iqp_")
    assert new_key != created.stdout.strip().splitlines()[-1]
    listed = investquest(cli_env, "partners", "list").stdout.splitlines()
    assert listed[0].startswith("broker-core")
    assert listed[0].endswith("live")
    keys = [line for line in listed if line.startswith("  key ")]
    assert len(keys) == 2
    assert "expires never" not in keys[0]
    assert "expires never" in keys[1]
    assert all("last used never" in line for line in keys)
    refused_in_one_line(investquest(cli_env, "partners", "rotate", "nobody"), "nobody")
    assert investquest(cli_env, "partners", "revoke", "broker-core").returncode == 0
    refused_in_one_line(investquest(cli_env, "partners", "rotate", "broker-core"), "broker-core")


async def test_users_roles_sets_roles_keeps_the_last_admin_and_is_audited(
    cli_env: dict[str, str], scratch_database: str
) -> None:
    password = "a long passphrase\n"
    assert investquest(cli_env, "users", "create", "boss@example.com", "--role", "admin",
                       stdin=password).returncode == 0  # fmt: skip
    refused_in_one_line(
        investquest(cli_env, "users", "roles", "boss@example.com", "--role", "editor"),
        "last admin",
    )
    refused_in_one_line(
        investquest(cli_env, "users", "create", "boss@example.com", stdin=password), "exists"
    )
    refused_in_one_line(
        investquest(cli_env, "users", "roles", "nobody@example.com", "--role", "editor"),
        "nobody@example.com",
    )
    assert (
        investquest(cli_env, "users", "create", "deputy@example.com", stdin=password).returncode
        == 0
    )
    promoted = investquest(cli_env, "users", "roles", "Deputy@Example.com", "--role", "admin")
    assert promoted.returncode == 0, promoted.stderr
    assert "roles=admin,learner" in promoted.stdout
    demoted = investquest(
        cli_env, "users", "roles", "boss@example.com", "--role", "editor", "--role", "marketer"
    )
    assert "roles=editor,learner,marketer" in demoted.stdout
    engine = create_async_engine(scratch_database)
    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                sa.text(
                    "SELECT actor_kind, summary->>'actor', summary->'after' FROM audit_log "
                    "WHERE action = 'user.roles.set' ORDER BY created_at"
                )
            )
        ).all()
    await engine.dispose()
    actor = f"cli:{getpass.getuser()}"
    assert audited == [
        ("cli", actor, ["admin", "learner"]),
        ("cli", actor, ["editor", "learner", "marketer"]),
    ]
