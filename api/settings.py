"""Typed settings read from the environment (and an optional `.env`), validated at start."""

import os
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gamification.community.screening import moderation_rules

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 16
REPLAY_SAMPLE = Path(__file__).resolve().parent.parent / "seed" / "market" / "replay_sample.csv"
MODERATION_RULES = Path(__file__).resolve().parent.parent / "seed" / "moderation.yaml"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = "development"
    database_url: str | None = None
    secret_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_SECRET_KEY), validate_default=True)
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    console_session_hours: int = Field(default=8, ge=1, le=24 * 7)
    business_timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    data_dir: Path = Field(default=Path(".investquest"), validation_alias="INVESTQUEST_DATA_DIR")
    host: str = "127.0.0.1"
    forwarded_allow_ips: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    db_pool_size: int = Field(default=20, ge=1, le=200)
    # A fixed pool by default: under a load above DB_POOL_SIZE, overflow connections are opened
    # and closed again over and over (each a new server backend and a new statement cache).
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    db_unavailable_timeout_seconds: float = Field(default=5, gt=0, le=120)
    db_pool_recycle_seconds: int = Field(default=1800, ge=10)
    session_cache_seconds: float = Field(default=30, ge=0, le=300)
    request_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    idempotency_retention_hours: int = Field(default=48, ge=1)
    # Separation of duties (admins) and partner key rotation.
    adjustment_approval_points: int = Field(default=10_000, ge=1, le=1_000_000)
    partner_key_overlap_hours: int = Field(default=24, ge=0, le=24 * 30)
    lesson_min_read_factor: float = Field(default=0.3, ge=0, le=10)
    quiz_daily_attempts: int = Field(default=5, ge=1, le=1000)
    contest_orders_per_minute: int = Field(default=60, ge=1, le=10_000)  # per contest entry
    rewards_daily_points_cap: int = Field(default=500, ge=0, le=1_000_000)
    points_expiry_days: int = Field(default=365, ge=1, le=3650)
    streak_repair_points: int = Field(default=200, ge=0, le=1_000_000)
    register_per_address_per_hour: int = Field(default=20, ge=1, le=100_000)
    login_failures_per_account_per_hour: int = Field(default=100, ge=5, le=100_000)
    # Paper-trading market. MARKET_TICK_SECONDS must be equal on every replica: replicas claim
    # each tick by its slot, and the slots follow the period.
    market_tick_seconds: int = Field(default=5, ge=1, le=3600)
    # LEADERBOARD_REFRESH_SECONDS must be equal on every replica, like MARKET_TICK_SECONDS.
    leaderboard_refresh_seconds: int = Field(default=10, ge=1, le=3600)
    market_data_provider: Literal["simulator", "replay", "partner"] = "simulator"
    # Community: per-author rate limits, the hold on young accounts (0 turns it off), and the
    # compliance rules (checked at start; a bad file names every problem).
    community_posts_per_hour: int = Field(default=5, ge=1, le=10_000)
    community_posts_per_day: int = Field(default=20, ge=1, le=100_000)
    community_comments_per_minute: int = Field(default=5, ge=1, le=10_000)
    community_new_account_hold_hours: int = Field(default=24, ge=0, le=24 * 365)
    community_rules_file: Path = Field(default=MODERATION_RULES)
    # Campaigns: messages a learner may get from campaigns per local day (all campaigns
    # together), the users each delivery chunk (one transaction) serves, and the deliveries a
    # second one run makes at most, all its workers together (0: as fast as they can).
    campaign_messages_per_day: int = Field(default=2, ge=1, le=100)
    campaign_chunk_size: int = Field(default=1000, ge=1, le=10_000)
    campaign_delivery_rate: int = Field(default=5800, ge=0, le=1_000_000)
    # Workers delivering one run at once across all replicas, each at its share of the rate
    # (0: as many as replicas tick, each at the whole rate).
    campaign_chunk_workers: int = Field(default=1, ge=0, le=64)
    # A chunk slower than this means a busy database: the worker rests in proportion, k - 1
    # times the chunk's time for a chunk k times over (0: never).
    campaign_chunk_budget_ms: int = Field(default=1000, ge=0, le=60_000)
    # The nice value of the database backend delivering a run, where this process may set it
    # (PostgreSQL on this host, as the same user or root; 0: left as it is). Opt-in, and only
    # for a direct connection to a PostgreSQL on this host, no pooler: a reniced backend holding
    # campaign or ledger-account row locks can keep the API's backends waiting on them (priority
    # inversion), and behind a local pooler it would go back to serving API traffic.
    campaign_delivery_nice: int = Field(default=0, ge=0, le=19)
    market_simulator_seed: int = Field(default=2026, ge=0, le=2**63 - 1)
    market_replay_file: Path = Field(default=REPLAY_SAMPLE)
    market_minute_bar_retention_days: int = Field(default=30, ge=1, le=3650)
    # Unset: /metrics is public. Set: scrapers send `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    # Server processes of `serve` sharing its port; each has its own pool of DB_POOL_SIZE.
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgresql+asyncpg://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:  # e.g. a port that is not a number
            raise ValueError(f"is not a valid URL ({exc})") from None
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _unset_or_long_enough(cls, value: object) -> object:
        if value == "":
            return None
        if isinstance(value, str) and len(value) < MIN_METRICS_TOKEN_LENGTH:
            raise ValueError(f"must be at least {MIN_METRICS_TOKEN_LENGTH} characters")
        return value

    @field_validator("market_replay_file")
    @classmethod
    def _replay_file_exists(cls, value: Path, info: ValidationInfo) -> Path:
        if info.data.get("market_data_provider") == "replay" and not value.is_file():
            raise ValueError(f"no such file {str(value)!r}")
        return value

    @field_validator("community_rules_file")
    @classmethod
    def _rules_file_valid(cls, value: Path) -> Path:
        moderation_rules(value)  # RuleFileError (a ValueError) lists every problem
        return value

    @field_validator("business_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("secret_key")
    @classmethod
    def _production_needs_a_real_secret(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if info.data.get("environment") == "production":
            secret = value.get_secret_value()
            if secret == DEVELOPMENT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
                raise ValueError(
                    "must be set to a random value of at least "
                    f"{MIN_SECRET_KEY_LENGTH} characters in production"
                )
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    @property
    def console_logs(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "console"
        return self.environment == "development"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one message naming each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{variable}: {message}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from exc
