"""The application factory: routes, dependencies, errors, metrics and the scheduler's lifespan."""

import contextlib
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.accounts.caller_changes import listening
from api.accounts.guards import provide_caller, provide_partner
from api.accounts.session_cache import SessionCache
from api.community.rule_book import RuleBook, rule_changes_heard
from api.console.pages import add_content_security_policy
from api.console.routes import console_templates
from api.database import create_sessionmaker, provide_db
from api.dependencies import use_sequential_dependencies
from api.jobs import JobContext
from api.json_bodies import JsonBodyRequest
from api.locale import provide_locale
from api.metrics import register_pool_collector, unregister_collector
from api.migrations import head_revision
from api.openapi import OPENAPI_SCHEMA_PLUGINS, SECURITY_SCHEMES, openapi_config
from api.problems import EXCEPTION_HANDLERS
from api.request_cycle import request_cycle_middleware
from api.response_headers import (
    CORS_EXPOSED_HEADERS,
    add_response_headers,
    allow_from_route_table,
)
from api.routes import route_handlers
from api.scheduler.registry import all_jobs
from api.scheduler.runner import create_scheduler
from api.settings import Settings
from api.timestamps import TimestampedResponse
from core.clock import Clock, SystemClock
from gamification.community.rule_versions import file_rule_version

APP_VERSION = version("investquest")


def _provide_clock(request: Request[Any, Any, Any]) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _provide_settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def app_state(
    settings: Settings,
    engine: AsyncEngine,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    jobs_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    autocommit_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    clock: Clock | None = None,
    run_scheduler: bool = False,
) -> State:
    """Everything the app's requests and lifespan work with, apart from its routes.

    Jobs use `jobs_sessionmaker` when given: an engine without the requests' statement deadline.
    Routes that opt in to autocommit (`api.autocommit_routes`) use `autocommit_sessionmaker`;
    without one they use `sessionmaker` when it is given (the tests' rolled-back transaction),
    else autocommit sessions on `engine`.
    """
    if autocommit_sessionmaker is None:
        autocommit_sessionmaker = sessionmaker or create_sessionmaker(engine, autocommit=True)
    sessionmaker = sessionmaker or create_sessionmaker(engine)
    return State(
        {
            "settings": settings,
            "engine": engine,
            "sessionmaker": sessionmaker,
            "autocommit_sessionmaker": autocommit_sessionmaker,
            "jobs_sessionmaker": jobs_sessionmaker or sessionmaker,
            "clock": clock or SystemClock(),
            "run_scheduler": run_scheduler,
            "session_cache": SessionCache(settings.session_cache_seconds),
            "rule_book": RuleBook(file_rule_version(settings.community_rules_file)),
            "migration_head": head_revision(),
        }
    )


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncGenerator[None, None]:
    """Metrics of the pool, the listeners (session changes, rule changes) and the scheduler,
    all from `app.state`."""
    state = app.state
    settings: Settings = state.settings
    engine: AsyncEngine = state.engine
    collector = register_pool_collector(engine)
    stack = contextlib.AsyncExitStack()
    if settings.session_cache_seconds > 0:
        await stack.enter_async_context(listening(engine.url, state.session_cache))
    await stack.enter_async_context(rule_changes_heard(engine.url, state.rule_book))
    scheduler = None
    if state.run_scheduler:
        context = JobContext(
            sessionmaker=state.jobs_sessionmaker, clock=state.clock, settings=settings
        )
        scheduler = create_scheduler(context, all_jobs(settings))
        scheduler.start()
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        unregister_collector(collector)
        await stack.aclose()


def create_app(
    settings: Settings,
    engine: AsyncEngine,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    jobs_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    autocommit_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    clock: Clock | None = None,
    run_scheduler: bool = False,
) -> Litestar:
    """Build the app around an engine the caller owns (and disposes of); `app_state` says what
    the keyword arguments are for. Its state may be replaced by another `app_state` later (the
    tests reuse one app that way: building the route table is most of this function's cost)."""
    use_sequential_dependencies()
    state = app_state(
        settings,
        engine,
        sessionmaker=sessionmaker,
        jobs_sessionmaker=jobs_sessionmaker,
        autocommit_sessionmaker=autocommit_sessionmaker,
        clock=clock,
        run_scheduler=run_scheduler,
    )
    return Litestar(
        route_handlers=route_handlers(),
        state=state,
        dependencies={
            "db": Provide(provide_db),
            "clock": Provide(_provide_clock, sync_to_thread=False),
            "settings": Provide(_provide_settings, sync_to_thread=False),
            "caller": Provide(provide_caller, sync_to_thread=False),
            "locale": Provide(provide_locale, sync_to_thread=False),
            "partner": Provide(provide_partner, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=JsonBodyRequest,
        middleware=[request_cycle_middleware],  # request id, logs, metrics, session, caller
        before_send=[
            add_response_headers,
            add_content_security_policy,
            allow_from_route_table,
        ],
        lifespan=[_lifespan],
        template_config=console_templates(),
        openapi_config=openapi_config(APP_VERSION, SECURITY_SCHEMES),
        plugins=OPENAPI_SCHEMA_PLUGINS,
        response_class=TimestampedResponse,  # one timestamp format in every body
        cors_config=CORSConfig(
            allow_origins=settings.cors_origins, expose_headers=CORS_EXPOSED_HEADERS
        )
        if settings.cors_origins
        else None,
        request_max_body_size=settings.request_max_body_bytes,
        logging_config=None,  # logging is configured once, by the CLI (api.logs)
        debug=False,
    )
