"""contest standings by partition, and time-ordered ids in SQL: `contest_standing` is partitioned by generation, numbered by
one sequence for every contest; each generation is a table of its own in the
`contest_generations` schema, built, indexed and attached by a refresh and later dropped whole.
The current generation of each contest moves over as its first partition. `contest_new_id()`
makes the version 7 UUIDs `core.ids.new_id` makes, for fills written set-based by the tick.
Entries and positions leave 30% of each page free, so the tick's updates stay HOT.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 04:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=16, scale=2)
PERCENT = sa.Numeric(precision=12, scale=2)
SCORE = sa.Numeric(precision=16, scale=4)
COLUMNS = (
    "contest_id, generation, entry_id, user_id, rank, equity, return_pct, score, peak_equity,"
    " max_drawdown_pct, joined_at"
)


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("contest_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("equity", MONEY, nullable=False),
        sa.Column("return_pct", PERCENT, nullable=False),
        sa.Column("score", SCORE, nullable=False),
        sa.Column("peak_equity", MONEY, nullable=False),
        sa.Column("max_drawdown_pct", PERCENT, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "max_drawdown_pct >= 0", name=op.f("ck_contest_standing_drawdown_not_negative")
        ),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_contest_standing_rank_positive")),
    ]


# Each contest's current generation becomes a partition under a fresh generation number.
_MOVE_CURRENT_GENERATIONS = """
DO $$
DECLARE
    s record;
    g bigint;
BEGIN
    FOR s IN SELECT contest_id, generation FROM contest_standings_state
             WHERE generation > 0 ORDER BY contest_id LOOP
        g := nextval('contest_standing_generation');
        EXECUTE format('CREATE TABLE contest_generations.g%s (LIKE contest_standing'
                       ' INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (generation = %s))',
                       g, g);
        EXECUTE format('INSERT INTO contest_generations.g%s (COLUMNS) SELECT contest_id, %s,'
                       ' entry_id, user_id, rank, equity, return_pct, score, peak_equity,'
                       ' max_drawdown_pct, joined_at FROM contest_standing_before'
                       ' WHERE contest_id = $1 AND generation = $2 ORDER BY rank', g, g)
            USING s.contest_id, s.generation;
        EXECUTE format('ALTER TABLE contest_generations.g%s ADD PRIMARY KEY (generation,'
                       ' entry_id), ADD UNIQUE (generation, rank)', g);
        EXECUTE format('ALTER TABLE contest_standing ATTACH PARTITION contest_generations.g%s'
                       ' FOR VALUES IN (%s)', g, g);
        UPDATE contest_standings_state SET generation = g WHERE contest_id = s.contest_id;
    END LOOP;
END
$$
""".replace("COLUMNS", COLUMNS)


# Version 7: 48 bits of Unix milliseconds over a random (version 4) UUID, version bits 0111.
_NEW_ID = """
CREATE FUNCTION contest_new_id() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT encode(
        set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                                PLACING substring(int8send(floor(extract(epoch FROM
                                    clock_timestamp()) * 1000)::bigint) FROM 3)
                                FROM 1 FOR 6), 52, 1), 53, 1),
        'hex')::uuid
$$
"""


def upgrade() -> None:
    op.execute(_NEW_ID)
    # Entries and positions change on every fill: room on each page keeps those updates HOT
    # (no index entries written), as the tick moves the books of thousands of entries at once.
    for table in ("contest_entry", "contest_position"):
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
    op.rename_table("contest_standing", "contest_standing_before")
    for old in (
        "pk_contest_standing",
        "uq_contest_standing_contest_id_generation_rank",
    ):
        op.execute(f"ALTER INDEX {old} RENAME TO {old}_before")
    for old in ("ck_contest_standing_drawdown_not_negative", "ck_contest_standing_rank_positive"):
        op.execute(f"ALTER TABLE contest_standing_before RENAME CONSTRAINT {old} TO {old}_before")
    op.execute("CREATE SCHEMA contest_generations")
    op.execute("CREATE SEQUENCE contest_standing_generation")
    op.create_table(
        "contest_standing",
        *_columns(),
        sa.PrimaryKeyConstraint("generation", "entry_id", name=op.f("pk_contest_standing")),
        sa.UniqueConstraint("generation", "rank", name=op.f("uq_contest_standing_generation_rank")),
        postgresql_partition_by="LIST (generation)",
    )
    op.execute(_MOVE_CURRENT_GENERATIONS)
    op.drop_table("contest_standing_before")


def downgrade() -> None:
    for table in ("contest_entry", "contest_position"):
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    op.rename_table("contest_standing", "contest_standing_partitioned")
    op.execute("ALTER INDEX pk_contest_standing RENAME TO pk_contest_standing_partitioned")
    op.execute(
        "ALTER INDEX uq_contest_standing_generation_rank"
        " RENAME TO uq_contest_standing_generation_rank_partitioned"
    )
    for old in ("ck_contest_standing_drawdown_not_negative", "ck_contest_standing_rank_positive"):
        op.execute(f"ALTER TABLE contest_standing_partitioned RENAME CONSTRAINT {old} TO {old}_p")
    op.create_table(
        "contest_standing",
        *_columns(),
        sa.PrimaryKeyConstraint(
            "contest_id", "generation", "entry_id", name=op.f("pk_contest_standing")
        ),
        sa.UniqueConstraint(
            "contest_id",
            "generation",
            "rank",
            name=op.f("uq_contest_standing_contest_id_generation_rank"),
        ),
    )
    op.execute(
        f"INSERT INTO contest_standing ({COLUMNS}) SELECT {COLUMNS}"  # noqa: S608
        " FROM contest_standing_partitioned s"
        " WHERE s.generation IN (SELECT generation FROM contest_standings_state)"
    )
    op.drop_table("contest_standing_partitioned")
    op.execute("DROP SCHEMA contest_generations CASCADE")
    op.execute("DROP SEQUENCE contest_standing_generation")
    op.execute("DROP FUNCTION contest_new_id()")
