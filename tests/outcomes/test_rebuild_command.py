"""`investquest outcomes rebuild --since` and the daily job, on a database of their own."""

import subprocess
import sys

from api.scheduler.registry import find_job
from api.scheduler.schedules import DailyAt
from api.settings import Settings


def investquest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_rebuild_recomputes_from_the_day_given_and_refuses_a_bad_day(
    cli_env: dict[str, str],
) -> None:
    assert investquest(cli_env, "db", "upgrade").returncode == 0
    first = investquest(cli_env, "outcomes", "rebuild", "--since", "2026-01-15")
    assert first.returncode == 0, first.stderr
    assert "rolled up everything" in first.stdout  # the first run covers every month
    again = investquest(cli_env, "outcomes", "rebuild", "--since", "2026-01-15")
    assert "from 2026-01" in again.stdout
    bad = investquest(cli_env, "outcomes", "rebuild", "--since", "15/01/2026")
    assert bad.returncode != 0
    assert "--since" in bad.stderr


def test_the_rollup_is_a_daily_job_that_replicas_share(settings: Settings) -> None:
    job = find_job(settings, "outcomes.rollup")
    assert job is not None
    assert isinstance(job.schedule, DailyAt)
