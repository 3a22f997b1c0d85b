"""Prometheus metrics: requests by route and status with latency (Litestar's middleware),
database pool use, and job runs (counted in `api.scheduler.runner`)."""

from collections.abc import Iterator

from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

PROMETHEUS = PrometheusConfig(
    app_name="investquest",
    prefix="investquest",
    group_path=True,  # label by route template, not raw path: bounded cardinality
    exclude=["/metrics"],
    exclude_unhandled_paths=True,
)


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False


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
