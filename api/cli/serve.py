import asyncio
import logging
import signal
import sys

import click
import uvicorn

from api.app import create_app
from api.cli.runtime import database_url, open_database, settings_or_exit
from api.migrations import upgrade
from api.seed import load_seed_if_empty
from api.settings import Settings

logger = logging.getLogger(__name__)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: PORT, 8000).")
@click.option("--no-scheduler", is_flag=True, help="Serve the API only (for extra replicas).")
@click.option(
    "--no-seed", is_flag=True, help="Do not load the seed content into an empty database."
)
def serve(host: str | None, port: int | None, no_scheduler: bool, no_seed: bool) -> None:
    """Migrate, load the seed content if the database is empty, and serve the API."""
    settings = settings_or_exit()
    url = database_url(settings, create_embedded=True)
    upgrade(url)  # under a PostgreSQL advisory lock: replicas starting together take turns
    # Uvicorn shuts down gracefully on SIGTERM, then re-raises it; exiting through SystemExit
    # (not the default handler) runs the atexit hooks that stop the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    asyncio.run(
        _serve(
            settings,
            url,
            host=host or settings.host,
            port=port or settings.port,
            run_scheduler=not no_scheduler,
            load_seed=not no_seed,
        )
    )


def _exit_cleanly(signum: int, frame: object) -> None:
    sys.exit(0)


async def _serve(
    settings: Settings, url: str, *, host: str, port: int, run_scheduler: bool, load_seed: bool
) -> None:
    async with (
        open_database(settings, url, serves_requests=True) as (engine, sessionmaker),
        open_database(settings, url) as (_, jobs_sessionmaker),
    ):
        if load_seed:
            await load_seed_if_empty(jobs_sessionmaker)
        app = create_app(
            settings,
            engine,
            sessionmaker=sessionmaker,
            jobs_sessionmaker=jobs_sessionmaker,
            run_scheduler=run_scheduler,
        )
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            server_header=False,  # no `server: uvicorn`: nothing to tell a scanner
            # Behind a load balancer, the client address (login throttling, audit) comes from
            # X-Forwarded-For, trusted only from these addresses.
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
        logger.info("serving", extra={"url": f"http://{host}:{port}"})
        await uvicorn.Server(config).serve()
