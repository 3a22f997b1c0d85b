"""A handler's dependencies are resolved one after the other (`api.dependencies`), each after
those it depends on, generators cleaned up after the handler; no task group per request."""

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar._kwargs import kwargs_model
from litestar.di import NamedDependency, Provide
from litestar.testing import AsyncTestClient

from api.dependencies import resolve_in_order, use_sequential_dependencies

events: list[str] = []


def provide_a() -> str:
    events.append("a")
    return "a"


def provide_b(a: NamedDependency[str]) -> str:
    events.append("b")
    return a + "b"


async def provide_c() -> AsyncGenerator[str, None]:
    events.append("c")
    yield "c"
    events.append("c closed")


@get(
    "/deps",
    dependencies={
        "a": Provide(provide_a, sync_to_thread=False),
        "b": Provide(provide_b, sync_to_thread=False),
        "c": Provide(provide_c),
    },
)
async def deps_handler(
    a: NamedDependency[str], b: NamedDependency[str], c: NamedDependency[str]
) -> dict[str, str]:
    events.append("handler")
    return {"a": a, "b": b, "c": c}


async def test_dependencies_resolve_in_order_without_a_task_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_task_groups(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a task group was created")

    monkeypatch.setattr(kwargs_model, "create_task_group", no_task_groups)
    use_sequential_dependencies()
    assert kwargs_model.KwargsModel.resolve_dependencies is resolve_in_order
    events.clear()
    async with AsyncTestClient(Litestar([deps_handler])) as client:
        response = await client.get("/deps")
    assert response.json() == {"a": "a", "b": "ab", "c": "c"}
    assert events.index("a") < events.index("b") < events.index("handler")
    assert events[-1] == "c closed"
