"""Prometheus metrics: requests by route and status with latency (Litestar's middleware),
database pool use, job runs (counted in `api.scheduler.runner`) and the business series
(`api.business_metrics`). With METRICS_TOKEN set, scrapers must send it as a bearer token."""

import hmac
from collections.abc import Iterator
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from api.problems import ProblemError
from api.settings import Settings

PROMETHEUS = PrometheusConfig(
    app_name="investquest",
    prefix="investquest",
    group_path=True,  # label by route template, not raw path: bounded cardinality
    exclude=["/metrics"],
    exclude_unhandled_paths=True,
)


def requires_metrics_token(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Admit any scraper when METRICS_TOKEN is unset, else only one presenting it (compared in
    constant time, so the answer's timing does not reveal how much of a guess was right)."""
    settings: Settings = connection.app.state.settings
    if settings.metrics_token is None:
        return
    scheme, _, presented = connection.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    if scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), expected.encode()
    ):
        return
    raise ProblemError(
        401,
        "unauthorized",
        message="metrics-token-required",
        headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
    )


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    guards = [requires_metrics_token]  # noqa: RUF012 - Litestar reads it as a class attribute


class DatabasePoolCollector(Collector):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self._engine.pool
        if not isinstance(pool, QueuePool):
            return
        in_use = GaugeMetricFamily("investquest_db_pool_in_use", "Connections checked out")
        in_use.add_metric([], pool.checkedout())
        idle = GaugeMetricFamily("investquest_db_pool_idle", "Connections idle in the pool")
        idle.add_metric([], pool.checkedin())
        size = GaugeMetricFamily("investquest_db_pool_size", "Configured pool size")
        size.add_metric([], pool.size())
        yield from (in_use, idle, size)


def register_pool_collector(engine: AsyncEngine) -> Collector:
    collector = DatabasePoolCollector(engine)
    REGISTRY.register(collector)
    return collector


def unregister_collector(collector: Collector) -> None:
    REGISTRY.unregister(collector)
