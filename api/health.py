"""Liveness and readiness probes."""

import asyncio

from litestar import Controller, get
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine

from api.migrations import current_revision
from api.openapi import problem_responses
from api.problems import ProblemError

READY_TIMEOUT_SECONDS = 2.0


class HealthController(Controller):
    path = "/health"
    tags = ("health",)

    @get("/live", operation_id="getLiveness", summary="The process is running")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        operation_id="getReadiness",
        summary="The database answers and migrations are at head",
        description="503 (problem+json) when the database is unreachable or not migrated to head.",
        responses=problem_responses(503),
    )
    async def ready(self, state: State) -> dict[str, str]:
        engine: AsyncEngine = state.engine
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS), engine.connect() as conn:
                current = await current_revision(conn)
        except Exception as exc:  # any failure to reach the database means not ready
            raise ProblemError(503, "not-ready", message="database-unreachable") from exc
        if current != state.migration_head:
            raise ProblemError(
                503,
                "not-ready",
                message="migrations-behind",
                params={"current": current, "head": state.migration_head},
            )
        return {"status": "ok", "database": "ok", "migration": str(current)}
