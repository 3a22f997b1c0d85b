"""Prometheus metrics: requests by route and status with latency (counted by
`api.request_cycle`, under the names Litestar's Prometheus middleware gives them), database pool
use, job runs (counted in `api.scheduler.runner`) and the business series
(`api.business_metrics`). With METRICS_TOKEN set, scrapers must send it as a bearer token."""

import hmac
from collections.abc import Iterator
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Scope
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from api.problems import ProblemError
from api.settings import Settings

METRICS_PATH = "/metrics"  # not counted itself
APP_NAME = "investquest"
# By route template, not raw path: bounded cardinality.
_LABELS = ("method", "path", "status_code", "app_name")
_REQUESTS = Counter("investquest_requests_total", "Total requests", _LABELS)
_DURATION = Histogram(
    "investquest_request_duration_seconds", "Request duration, in seconds", _LABELS
)
_ERRORS = Counter("investquest_requests_error_total", "Total errors in requests", _LABELS)
_IN_PROGRESS = Gauge(
    "investquest_requests_in_progress",
    "Total requests currently in progress",
    _LABELS,
    multiprocess_mode="livesum",
)
_IN_PROGRESS_STATUS = 200  # the label the gauge has always carried while a request runs


class RequestMetrics:
    """Counts requests into the series above, keeping each label set's children (looking them
    up takes a lock and a dict per call)."""

    def __init__(self) -> None:
        self._in_progress: dict[tuple[str, str], Gauge] = {}
        self._done: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def started(self, scope: Scope) -> None:
        self._gauge(scope).inc()

    def finished(self, scope: Scope, status: int, duration_seconds: float) -> None:
        self._gauge(scope).dec()
        key = (*_route(scope), status)
        children = self._done.get(key)
        if children is None:
            labels = (*key, APP_NAME)
            children = _REQUESTS.labels(*labels), _DURATION.labels(*labels)
            self._done[key] = children
        if status >= HTTP_500_INTERNAL_SERVER_ERROR:
            _ERRORS.labels(*key, APP_NAME).inc()
        children[0].inc()
        children[1].observe(duration_seconds)

    def _gauge(self, scope: Scope) -> Gauge:
        key = _route(scope)
        gauge = self._in_progress.get(key)
        if gauge is None:
            gauge = _IN_PROGRESS.labels(*key, _IN_PROGRESS_STATUS, APP_NAME)
            self._in_progress[key] = gauge
        return gauge


def _route(scope: Scope) -> tuple[str, str]:
    """The method and the route template (the raw path where there is none)."""
    return str(scope.get("method", "")), str(scope.get("path_template", scope["path"]))


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
    path = METRICS_PATH
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
