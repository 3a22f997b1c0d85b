"""Resolving a handler's dependencies one after the other, not in a task group per request.

Litestar resolves the dependencies a handler needs that do not depend on each other
concurrently: an anyio task group and one task per dependency, on every request. Ours are
cheap (the caller, the clock, the settings and the locale are plain reads of the scope or the
app state; `db` hands over the request's lazy session), so the tasks cost far more than they
could save: on `GET /v1/lessons/{id}`, with five dependencies, they were a tenth of the
server's time. `use_sequential_dependencies` (called once, by `api.app`) makes every handler
resolve its dependencies in order, batch by batch, as Litestar computed the batches: a
dependency still runs after everything it depends on. A provider that takes only the request
is called with it directly (nothing to validate).
`tests/foundation/test_dependencies.py` fails if a Litestar upgrade moves what this replaces.
"""

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import DependencyContainer, resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.utils.compat import async_next

# What Litestar hands over as it is (the connection itself; its `state` is a plain dict that the
# signature model turns into `State`): a provider that takes nothing else has nothing to validate.
_AS_THEY_ARE = frozenset({"request"})


async def resolve_in_order(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    """`KwargsModel.resolve_dependencies`, without the task groups."""
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            fields = dependency.provide.signature_model._fields
            if fields and _AS_THEY_ARE.issuperset(fields) and kwargs.keys() >= fields.keys():
                await _resolve_unvalidated(dependency, kwargs, cleanup_group)
            else:
                await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


async def _resolve_unvalidated(
    dependency: DependencyContainer, kwargs: dict[str, Any], cleanup_group: DependencyCleanupGroup
) -> None:
    """`resolve_dependency` for a provider that takes only the request: without the
    signature model's conversion, which would check that a `Request` is a `Request` (building
    the handler's type decoders to do so) on every request."""
    provide = dependency.provide
    value = await provide(**{name: kwargs[name] for name in provide.signature_model._fields})
    if provide.has_sync_generator_dependency:
        cleanup_group.add(value)
        value = next(value)
    elif provide.has_async_generator_dependency:
        cleanup_group.add(value)
        value = await async_next(value)
    kwargs[dependency.key] = value


def use_sequential_dependencies() -> None:
    KwargsModel.resolve_dependencies = resolve_in_order  # type: ignore[method-assign]
