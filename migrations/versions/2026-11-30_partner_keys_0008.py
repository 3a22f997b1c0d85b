"""partner keys: several keys per partner (rotation), and a per-partner owner-reference secret

Every partner's existing key moves to `partner_key` unchanged, so it keeps working. Each
partner gets a random `owner_secret`: owner references are derived from it from now on, not
from SECRET_KEY, so each existing partner sees its references change once, at this upgrade.

Downgrading keeps each partner's newest key only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 02:00:00+00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("key_prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_key_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_key")),
        sa.UniqueConstraint("key_prefix", name=op.f("uq_partner_key_key_prefix")),
    )
    op.create_index(op.f("ix_partner_key_partner_id"), "partner_key", ["partner_id"])
    op.execute(
        "INSERT INTO partner_key (id, partner_id, key_prefix, key_hash, created_at) "
        "SELECT gen_random_uuid(), id, key_prefix, key_hash, created_at FROM partner"
    )
    op.drop_constraint(op.f("uq_partner_key_prefix"), "partner", type_="unique")
    op.drop_column("partner", "key_prefix")
    op.drop_column("partner", "key_hash")
    op.add_column("partner", sa.Column("owner_secret", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    for (partner_id,) in bind.execute(sa.text("SELECT id FROM partner")):
        bind.execute(
            sa.text("UPDATE partner SET owner_secret = :secret WHERE id = :id"),
            {"secret": secrets.token_bytes(32), "id": partner_id},
        )
    op.alter_column("partner", "owner_secret", nullable=False)
    op.create_check_constraint(
        op.f("ck_partner_owner_secret_length"), "partner", "octet_length(owner_secret) = 32"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_partner_owner_secret_length"), "partner", type_="check")
    op.drop_column("partner", "owner_secret")
    op.add_column(
        "partner",
        sa.Column("key_prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column(
        "partner",
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.execute(
        "UPDATE partner SET key_prefix = newest.key_prefix, key_hash = newest.key_hash "
        "FROM (SELECT DISTINCT ON (partner_id) partner_id, key_prefix, key_hash "
        "      FROM partner_key ORDER BY partner_id, created_at DESC) AS newest "
        "WHERE newest.partner_id = partner.id"
    )
    op.alter_column("partner", "key_prefix", nullable=False)
    op.alter_column("partner", "key_hash", nullable=False)
    op.create_unique_constraint(op.f("uq_partner_key_prefix"), "partner", ["key_prefix"])
    op.drop_index(op.f("ix_partner_key_partner_id"), table_name="partner_key")
    op.drop_table("partner_key")
