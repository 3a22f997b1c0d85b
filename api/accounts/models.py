"""Account tables: users, login sessions and refresh tokens, consents, suitability, partners
and their keys."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from core.tables import id_field, utc_timestamp

RISK_PROFILES = ("C1", "C2", "C3", "C4", "C5")


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint("risk_profile IN ('C1','C2','C3','C4','C5')", name="risk_profile"),
        sa.CheckConstraint("locale IN ('zh-CN','en')", name="locale"),
        sa.CheckConstraint(
            "deleted_at IS NOT NULL OR (email IS NOT NULL AND password_hash IS NOT NULL)",
            name="live_account_has_credentials",
        ),
        # The few staff accounts, which the outcomes rollup leaves out of every month it folds
        # (migration 0039; the predicate is the rollup's, word for word).
        sa.Index(
            "ix_user_account_staff",
            "id",
            postgresql_where=sa.text(
                "roles && ARRAY['editor', 'marketer', 'moderator', 'admin']::varchar[]"
            ),
        ),
    )

    id: uuid.UUID = id_field()
    # Personal fields are nullable: erasing an account (PIPL) clears them and keeps the row,
    # so the anonymous ledger and vouchers that point at it still balance.
    email: str | None = Field(default=None, max_length=254, unique=True)
    password_hash: str | None = Field(default=None, max_length=256)
    display_name: str | None = Field(default=None, max_length=64)
    birthday: date | None = None
    locale: str = Field(default="zh-CN", max_length=8)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    roles: list[str] = Field(
        default_factory=lambda: ["learner"],
        sa_column=sa.Column(ARRAY(sa.String(16)), nullable=False),
    )
    risk_profile: str | None = Field(default=None, max_length=2)
    # False: shown as "anonymous" on contest leaderboards (PATCH /v1/me {"public_boards": false})
    public_boards: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    risk_assessed_at: datetime | None = utc_timestamp(nullable=True)
    password_changed_at: datetime = utc_timestamp()
    created_at: datetime = utc_timestamp()
    deleted_at: datetime | None = utc_timestamp(nullable=True)
    # Reported by the broker (partner event account_opened): the client's lifecycle counts
    # from it instead of the app sign-up when it is set.
    broker_account_opened_at: datetime | None = utc_timestamp(nullable=True)


class AuthSession(SQLModel, table=True):
    """One login: its refresh tokens rotate inside it; revoking it ends them all."""

    __tablename__ = "auth_session"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = utc_timestamp()
    revoked_at: datetime | None = utc_timestamp(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=32)


class RefreshToken(SQLModel, table=True):
    """An opaque, single-use refresh token; only its SHA-256 is stored."""

    __tablename__ = "auth_refresh_token"

    id: uuid.UUID = id_field()
    session_id: uuid.UUID = Field(foreign_key="auth_session.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_timestamp()
    expires_at: datetime = utc_timestamp()
    used_at: datetime | None = utc_timestamp(nullable=True)


class LoginFailure(SQLModel, table=True):
    """Failed logins, counted over a window by account and by client address (every replica
    sees the same counts). The account is keyed by a hash of the email, not the email."""

    __tablename__ = "auth_login_failure"
    __table_args__ = (
        sa.Index("ix_auth_login_failure_email_key_at", "email_key", "at"),
        sa.Index("ix_auth_login_failure_client_ip_at", "client_ip", "at"),
    )

    id: uuid.UUID = id_field()
    email_key: str = Field(max_length=64)
    client_ip: str = Field(max_length=64)
    at: datetime = utc_timestamp()


class SignupWindow(SQLModel, table=True):
    """Sign-ups from one client address in its current one-hour window: one counter row per
    address, raised by a conditional upsert so concurrent sign-ups cannot overshoot the limit."""

    __tablename__ = "auth_signup_window"
    __table_args__ = (sa.CheckConstraint("signups >= 1", name="signups_positive"),)

    client_ip: str = Field(max_length=64, primary_key=True)
    window_started_at: datetime = utc_timestamp()
    signups: int


class PasswordChangeFailure(SQLModel, table=True):
    """A wrong current password on `POST /v1/me/password`, counted per account for throttling."""

    __tablename__ = "auth_password_change_failure"
    __table_args__ = (sa.Index("ix_auth_password_change_failure_user_id_at", "user_id", "at"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id")
    at: datetime = utc_timestamp()


class Consent(SQLModel, table=True):
    """Each consent decision as it was made, with its time: the latest per purpose is in force."""

    __tablename__ = "account_consent"
    __table_args__ = (sa.Index("ix_account_consent_user_id_purpose", "user_id", "purpose"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id")
    purpose: str = Field(max_length=32)
    granted: bool
    decided_at: datetime = utc_timestamp()


class RiskAssessment(SQLModel, table=True):
    __tablename__ = "account_risk_assessment"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    answers: dict[str, Any] = Field(sa_type=JSONB)
    score: int
    risk_profile: str = Field(max_length=2)
    questionnaire_version: int
    assessed_at: datetime = utc_timestamp()
    expires_at: datetime = utc_timestamp()


class Partner(SQLModel, table=True):
    """A broker system that calls the partner API. Its identity outlives its keys: keys rotate,
    and the owner references it sees derive from its own `owner_secret`, nothing else."""

    __tablename__ = "partner"
    __table_args__ = (
        sa.CheckConstraint("octet_length(owner_secret) = 32", name="owner_secret_length"),
    )

    id: uuid.UUID = id_field()
    name: str = Field(max_length=64, unique=True)
    owner_secret: bytes = Field(sa_type=sa.LargeBinary, repr=False)
    created_at: datetime = utc_timestamp()
    revoked_at: datetime | None = utc_timestamp(nullable=True)  # all its keys stop at once


class PartnerKey(SQLModel, table=True):
    """One X-Partner-Key of a partner, stored as a SHA-256 and found by its short prefix. A
    rotated-out key works until `expires_at`; the newest has none."""

    __tablename__ = "partner_key"

    id: uuid.UUID = id_field()
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    key_prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    created_at: datetime = utc_timestamp()
    expires_at: datetime | None = utc_timestamp(nullable=True)
    last_used_at: datetime | None = utc_timestamp(nullable=True)  # to the minute, at best


class PartnerOwnerRef(SQLModel, table=True):
    """Each user's owner reference for each partner (`partners.owner_reference`), stored so the
    partner API finds a client by it with one index read instead of hashing every user. Kept
    by triggers (migration 0027): a new user gets one per partner, a new partner (or a changed
    owner secret) one per user."""

    __tablename__ = "partner_owner_ref"

    partner_id: uuid.UUID = Field(foreign_key="partner.id", primary_key=True, ondelete="CASCADE")
    owner_ref: str = Field(max_length=36, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
