"""`investquest serve`: migrate and seed once, then serve the API from one or several processes.

With `--workers N` above 1, uvicorn's supervisor binds the port once and hands the socket to N
worker processes (started fresh, `spawn`), replacing any that dies. The parent does the work
that must happen once, before any worker starts: it starts the embedded PostgreSQL (and stops
it when the last worker has drained), migrates, and loads the seed. Each worker builds its own
app, engine and pool from the parent's settings.

Every worker runs the scheduler too, as every replica does: each firing is claimed in the
`job_run` table (an insert on a unique key), so it runs once however many schedulers fire it.
A SIGTERM reaches the parent, which passes it on to each worker; each stops accepting, finishes
the requests it holds, and exits; then the parent exits.
"""

import asyncio
import functools
import gc
import logging
import signal
import sys

import click
import uvicorn
from litestar import Litestar
from uvicorn.supervisors import Multiprocess

from api.app import create_app
from api.cli.runtime import database_url, open_database, settings_or_exit
from api.database import create_engine, create_sessionmaker
from api.logs import configure_logging
from api.migrations import upgrade
from api.seed import load_seed_if_empty
from api.settings import Settings

logger = logging.getLogger(__name__)

WORKER_HEALTHCHECK_SECONDS = 30


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: PORT, 8000).")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Server processes sharing the port (default: WORKERS, the number of cores).",
)
@click.option("--no-scheduler", is_flag=True, help="Serve the API only (for extra replicas).")
@click.option(
    "--no-seed", is_flag=True, help="Do not load the seed content into an empty database."
)
def serve(
    host: str | None, port: int | None, workers: int | None, no_scheduler: bool, no_seed: bool
) -> None:
    """Migrate, load the seed content if the database is empty, and serve the API."""
    settings = settings_or_exit()
    url = database_url(settings, create_embedded=True)
    upgrade(url)  # under a PostgreSQL advisory lock: replicas starting together take turns
    if not no_seed:
        asyncio.run(_load_seed(settings, url))
    config = _uvicorn_config(
        functools.partial(worker_app, settings, url, run_scheduler=not no_scheduler),
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
    )
    logger.info(
        "serving",
        extra={"url": f"http://{config.host}:{config.port}", "workers": config.workers},
    )
    if config.workers == 1:
        _serve_in_this_process(config)
    else:
        # The supervisor handles SIGTERM itself (passing it on to every worker) and returns
        # once they have all stopped; returning normally runs the atexit hooks that stop the
        # embedded PostgreSQL.
        Multiprocess(config, sockets=[config.bind_socket()]).run()


async def _load_seed(settings: Settings, url: str) -> None:
    async with open_database(settings, url) as (_, sessionmaker):
        await load_seed_if_empty(sessionmaker)


def worker_app(settings: Settings, url: str, *, run_scheduler: bool) -> Litestar:
    """The app one server process serves, around engines of its own (disposed at shutdown):
    one for requests, with their deadlines (DB_UNAVAILABLE_TIMEOUT_SECONDS), and one for the
    scheduler's jobs, without them. uvicorn calls it in each worker; it must be picklable,
    hence a module-level function."""
    configure_logging(settings.log_level, console=settings.console_logs)
    engine = create_engine(url, settings, serves_requests=True)
    jobs_engine = create_engine(url, settings)
    app = create_app(
        settings,
        engine,
        sessionmaker=create_sessionmaker(engine),
        jobs_sessionmaker=create_sessionmaker(jobs_engine),
        autocommit_sessionmaker=create_sessionmaker(engine, autocommit=True),
        run_scheduler=run_scheduler,
    )
    app.on_startup.append(_freeze_startup_objects)
    app.on_shutdown.extend([engine.dispose, jobs_engine.dispose])
    return app


def _freeze_startup_objects() -> None:
    """Keep what the process built to serve (modules, the route table, the models' metadata,
    some 240,000 objects) out of the cycle collector's full passes: each pass visited them all
    and held every request on this process for 100-150 ms, every few seconds under load (the
    p99 of even `/health/live`). They live as long as the process, so the collector has
    nothing to find among them; what requests create is collected as before."""
    gc.collect()
    gc.freeze()


def _uvicorn_config(
    app_factory: functools.partial[Litestar],
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
) -> uvicorn.Config:
    return uvicorn.Config(
        app_factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The supervisor kills a worker that does not answer its ping in time. A fresh worker
        # (spawned: it imports the whole app) can take more than uvicorn's 5 s on a busy
        # machine, and would be killed and respawned for ever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_config=None,
        access_log=False,
        server_header=False,  # no `server: uvicorn`: nothing to tell a scanner
        # Behind a load balancer, the client address (login throttling, audit) comes from
        # X-Forwarded-For, trusted only from these addresses.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def _serve_in_this_process(config: uvicorn.Config) -> None:
    # Uvicorn shuts down gracefully on SIGTERM, then re-raises it; exiting through SystemExit
    # (not the default handler) runs the atexit hooks that stop the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.Server(config).run()


def _exit_cleanly(signum: int, frame: object) -> None:
    sys.exit(0)
