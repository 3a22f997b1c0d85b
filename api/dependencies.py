"""Resolving a handler's dependencies one after the other, not in a task group per request.

Litestar resolves the dependencies a handler needs that do not depend on each other
concurrently: an anyio task group and one task per dependency, on every request. Ours are
cheap (the caller, the clock, the settings and the locale are plain reads of the scope or the
app state; `db` hands over the request's lazy session), so the tasks cost far more than they
could save: on `GET /v1/lessons/{id}`, with five dependencies, they were a tenth of the
server's time. `use_sequential_dependencies` (called once, by `api.app`) makes every handler
resolve its dependencies in order, batch by batch, as Litestar computed the batches: a
dependency still runs after everything it depends on. `tests/foundation/test_dependencies.py`
fails if a Litestar upgrade moves what this replaces.
"""

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection


async def resolve_in_order(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    """`KwargsModel.resolve_dependencies`, without the task groups."""
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def use_sequential_dependencies() -> None:
    KwargsModel.resolve_dependencies = resolve_in_order  # type: ignore[method-assign]
