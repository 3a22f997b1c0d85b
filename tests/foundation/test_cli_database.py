"""A command run away from the server's folder must not quietly start an empty database."""

import os
import subprocess
import sys
from pathlib import Path

from api.cli.runtime import redacted


def investquest(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("investquest")), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_command_refuses_to_create_an_embedded_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["INVESTQUEST_DATA_DIR"] = str(tmp_path / "elsewhere")

    result = investquest(["db", "current"], env)

    assert result.returncode == 1
    assert "no database in" in result.stderr
    assert "INVESTQUEST_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "elsewhere" / "pgdata").exists()


def test_a_command_says_which_database_it_uses(cli_env: dict[str, str]) -> None:
    result = investquest(["db", "current"], cli_env)

    assert result.returncode == 0, result.stderr
    assert "database: postgresql" in result.stderr


def test_the_database_url_is_printed_without_its_password() -> None:
    assert redacted("postgresql://app:s3cret@db:5432/iq") == "postgresql://app:***@db:5432/iq"
    assert redacted("postgresql://app@db/iq") == "postgresql://app@db/iq"
