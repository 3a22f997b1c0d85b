"""The `investquest` command line."""

import click

from api.app import APP_VERSION
from api.cli.badges import badges
from api.cli.courses import courses
from api.cli.db import db
from api.cli.group import OperatorGroup
from api.cli.jobs import jobs
from api.cli.ledger import ledger
from api.cli.outcomes import outcomes
from api.cli.partners import partners
from api.cli.seed import seed
from api.cli.serve import serve
from api.cli.users import users


@click.group(cls=OperatorGroup)
@click.version_option(APP_VERSION, prog_name="investquest")
def main() -> None:
    """InvestQuest: lessons, quizzes, points and broker vouchers for young investors.

    Commands use DATABASE_URL when it is set, else the embedded PostgreSQL in the data folder
    (INVESTQUEST_DATA_DIR, default ./.investquest, relative to the current folder). Only
    `serve` creates a new embedded database; every command says which database it uses."""


for command in (serve, db, jobs, seed, users, partners, courses, ledger, badges, outcomes):
    main.add_command(command)
