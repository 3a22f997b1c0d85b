"""Operators' commands: a failure is one `Error:` line (exit 1, no traceback, no password);
`users list` and `jobs list` show what an operator asks for; stderr carries no noise."""

import getpass
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

PASSWORD = "a long passphrase\n"


def investquest(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        input=stdin, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of stderr besides the `database: ...` notice."""
    return [line for line in result.stderr.splitlines() if not line.startswith("database: ")]


@pytest.mark.parametrize(
    ("variables", "args", "words"),
    [
        ({"DATABASE_URL": "postgresql://ops:s3cret@127.0.0.1:1/iq"}, ["users", "list"],
         "cannot reach the database postgresql://ops:***@127.0.0.1:1/iq"),
        ({"DATABASE_URL": "postgresql://ops:s3cret@127.0.0.1:x/iq"}, ["jobs", "list"],
         "DATABASE_URL: is not a valid URL"),
        ({"LOG_LEVEL": "LOUD"}, ["users", "list"], "LOG_LEVEL"),
        ({"METRICS_TOKEN": "short"}, ["db", "current"], "METRICS_TOKEN"),
    ],
)  # fmt: skip
def test_a_failing_command_says_why_in_one_line(
    cli_env: dict[str, str], variables: dict[str, str], args: list[str], words: str
) -> None:
    result = investquest(cli_env | variables, *args)
    assert result.returncode == 1
    assert error_lines(result) == [f"Error: {error_lines(result)[0].removeprefix('Error: ')}"]
    assert words in error_lines(result)[0]
    assert "s3cret" not in result.stderr


def test_a_missing_database_on_a_reachable_server_is_one_line(
    cli_env: dict[str, str], scratch_database: str
) -> None:
    # The database name is the URL's last path segment; the embedded server's socket folder
    # rides in the query (`?host=...`), which stays as it is.
    path, query_mark, query = scratch_database.partition("?")
    missing = path.rsplit("/", 1)[0] + "/no_such_database_here" + query_mark + query
    result = investquest(cli_env | {"DATABASE_URL": missing}, "partners", "list")
    assert result.returncode == 1
    assert error_lines(result) == [
        f'Error: cannot reach the database {missing}: database "no_such_database_here" '
        "does not exist"
    ]


def test_refusals_are_one_line_and_commands_print_no_alembic_chatter(
    cli_env: dict[str, str],
) -> None:
    assert investquest(cli_env, "db", "upgrade").returncode == 0
    created = investquest(cli_env, "users", "create", "ops@example.com", stdin=PASSWORD)
    assert created.returncode == 0
    assert error_lines(created) == []  # at head: no "Context impl", no "Will assume"
    for args, stdin, words in [
        (["users", "create", "ops@example.com"], PASSWORD, "already exists"),
        (["users", "create", "no-at-sign"], PASSWORD, "email: "),
        (["jobs", "run", "no.such-job"], "", "no job named"),
    ]:
        result = investquest(cli_env, *args, stdin=stdin)
        assert result.returncode == 1
        (line,) = error_lines(result)
        assert line.startswith("Error: ")
        assert words in line


async def test_users_list_filters_by_role_and_creation_is_audited_as_the_os_user(
    cli_env: dict[str, str], scratch_database: str
) -> None:
    for email, role in [("a@example.com", "admin"), ("e@example.com", "editor")]:
        made = investquest(cli_env, "users", "create", email, "--role", role, stdin=PASSWORD)
        assert made.returncode == 0, made.stderr
    investquest(cli_env, "users", "create", "l@example.com", stdin=PASSWORD)

    everyone = investquest(cli_env, "users", "list").stdout.splitlines()
    editors = investquest(cli_env, "users", "list", "--role", "editor").stdout.splitlines()
    newest = investquest(cli_env, "users", "list", "--limit", "1").stdout.splitlines()

    assert everyone[0].split() == ["email", "display", "name", "roles", "created"]
    assert [line.split()[0] for line in everyone[1:]] == [
        "l@example.com", "e@example.com", "a@example.com",
    ]  # fmt: skip
    assert [line.split()[:3] for line in editors[1:]] == [["e@example.com", "e", "editor,learner"]]
    assert len(newest) == 2
    engine = create_async_engine(scratch_database)
    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                sa.text(
                    "SELECT DISTINCT actor_kind, summary->>'actor' FROM audit_log "
                    "WHERE action = 'user.create'"
                )
            )
        ).all()
    await engine.dispose()
    assert audited == [("cli", f"cli:{getpass.getuser()}")]


def test_jobs_list_shows_each_jobs_latest_runs(cli_env: dict[str, str]) -> None:
    unmigrated = investquest(cli_env, "jobs", "list")
    assert error_lines(unmigrated) == [
        "Error: this database has no InvestQuest schema yet: run `investquest db upgrade`"
    ]
    assert investquest(cli_env, "db", "upgrade").returncode == 0
    ran = investquest(cli_env, "jobs", "run", "ledger.check")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ledger.check succeeded: the books balance"

    listed = investquest(cli_env, "jobs", "list").stdout.splitlines()

    check = listed.index(next(line for line in listed if line.startswith("ledger.check ")))
    assert "daily at 03:00" in listed[check]
    assert listed[check + 1].strip().endswith("succeeded  the books balance")
    purge = listed.index(next(line for line in listed if line.startswith("idempotency.purge")))
    assert listed[purge + 1].strip() == "never run"


def test_the_embedded_database_prints_no_runtime_dir_warning(embedded_data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR")}
    env["INVESTQUEST_DATA_DIR"] = str(embedded_data_dir)
    started = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from api.embedded_postgres import start_embedded_postgres; "
         "start_embedded_postgres(Path(sys.argv[1]))", str(embedded_data_dir)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "XDG_RUNTIME_DIR" not in started.stderr
    current = investquest(env, "db", "current")
    assert current.returncode == 0, current.stderr
    assert "Warning" not in current.stderr
    assert "XDG_RUNTIME_DIR" not in current.stderr
