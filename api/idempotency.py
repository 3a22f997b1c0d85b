"""Idempotency-Key: the first response to a (caller, route, key) is stored with its effect.

The record is inserted in the request's own transaction before the effect runs. A concurrent
duplicate blocks on the unique key until the first transaction ends: if it committed, the
duplicate replays the stored response; if it rolled back, the duplicate does the work itself.
So a key never produces a second effect. Domain errors (out of stock, ...) are stored and
replayed too, so a retry gets the same answer: they are raised as a `CommittedRefusal`, which
commits the stored answer while the effect's savepoint is already rolled back. Unexpected
errors roll everything back.

A route whose database function claims the key, does the work and stores the answer in one
statement (`run_claimed`: a redemption) sends no transaction around it, so the rows it locks
are held only inside the server. It stores what its answer is rendered from rather than the
bytes (media type `ANSWER_MEDIA_TYPE`), and renders its first answer from that same text, so a
replay is the same bytes. Its refusals write nothing in that statement: they are stored with
their key in one statement of their own, unless an answer was stored for the key meanwhile,
which is then replayed.
"""

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response
from litestar.params import HeaderParameter
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from api.jobs import JobContext
from api.problems import PROBLEM_MEDIA_TYPE, ProblemError, handle_domain_error
from api.timestamps import encode_body
from core.clock import Clock
from core.driver_reads import DriverRead, DriverWrite
from core.errors import CommittedRefusal, DomainError, KeyUsed
from core.tables import id_field, utc_timestamp

IDEMPOTENCY_HEADER = "Idempotency-Key"
# The stored body is what the route renders its answer from (`run_claimed`), not the bytes.
ANSWER_MEDIA_TYPE = "application/vnd.investquest.answer+json"
REPLAYED_HEADER = "Idempotent-Replayed"

# Documented as required; it stays optional in the signature so that a missing key is answered
# by `run_idempotent` with its own problem type (`idempotency-key-required`).
IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name=IDEMPOTENCY_HEADER,
        required=True,
        min_length=1,
        max_length=255,
        description="A unique key per intended operation; retries with the same key and body "
        "replay the first response instead of repeating the effect.",
    ),
]
OptionalIdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=IDEMPOTENCY_HEADER,
        required=False,
        min_length=1,
        max_length=255,
        description="Optional: the same key and body replay the first answer.",
    ),
]


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("caller", "route", "key"),)

    id: uuid.UUID = id_field()
    caller: str = Field(max_length=64)
    route: str = Field(max_length=255)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_type=sa.Text)  # the exact bytes sent
    media_type: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_timestamp(index=True)


Effect = Callable[[], Awaitable[tuple[int, Any]]]


# Built once: every idempotent request runs both. The columns to insert or set are the keys of
# the parameters passed. On the table's own columns (not the model's attributes), so that they
# run as plain Core statements, without the ORM's bulk insert and update machinery.
_RECORDS: sa.Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_CLAIM = (
    insert(_RECORDS)
    .on_conflict_do_nothing(index_elements=["caller", "route", "key"])
    .returning(_RECORDS.c.id)
)
_STORE_RESPONSE = sa.update(_RECORDS).where(_RECORDS.c.id == sa.bindparam("record_id"))
# `run_claimed`'s refusal: the key with its answer at once, and the replay's read. Sent straight
# to the driver (`core.driver_reads`), so that a driver-only route never touches its session.
_CLAIM_REFUSED = DriverWrite(
    insert(_RECORDS)
    .values(
        {
            name: sa.bindparam(name)
            for name in (
                "id",
                "caller",
                "route",
                "key",
                "request_hash",
                "created_at",
                "status_code",
                "response_body",
                "media_type",
            )
        }
    )
    .on_conflict_do_nothing(index_elements=["caller", "route", "key"])
    .returning(_RECORDS.c.id)
)
_RECORD = DriverRead(
    sa.select(
        _RECORDS.c.request_hash,
        _RECORDS.c.status_code,
        _RECORDS.c.response_body,
        _RECORDS.c.media_type,
    ).where(
        _RECORDS.c.caller == sa.bindparam("caller"),
        _RECORDS.c.route == sa.bindparam("route"),
        _RECORDS.c.key == sa.bindparam("key"),
    )
)


def request_fingerprint(body: Any) -> str:
    canonical = json.dumps(msgspec.to_builtins(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_idempotent(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    clock: Clock,
    *,
    caller: str,
    key: str | None,
    body: Any,
    effect: Effect,
    refusals_write_nothing: bool = False,
) -> Response[Any]:
    """Run `effect` at most once for this caller, route and key, and answer like the first time.

    The effect runs in a savepoint, so a domain error undoes what it wrote before the refusal
    is stored, unless `refusals_write_nothing` says it never writes before refusing (two round
    trips saved).
    """
    claim = key_claim(request, caller=caller, key=key, body=body)
    claimed = await db.scalar(_CLAIM, claim.record(clock.now()))
    if claimed is None:
        return await _replay(db, claim)

    try:
        if refusals_write_nothing:
            status, content = await effect()
        else:
            async with db.begin_nested():
                status, content = await effect()
    except DomainError as exc:
        problem = handle_domain_error(request, exc)
        await _store(db, claimed, problem.status_code or 409, problem.content, PROBLEM_MEDIA_TYPE)
        raise CommittedRefusal(exc) from exc  # the stored answer commits; the effect did not
    encoded = await _store(db, claimed, status, content, "application/json")
    return Response(content=encoded, status_code=status, media_type="application/json")


def _required(key: str | None) -> str:
    if key is None:
        raise ProblemError(
            422,
            "idempotency-key-required",
            message="idempotency-key-required",
            params={"header": IDEMPOTENCY_HEADER},
            errors=[{"field": IDEMPOTENCY_HEADER, "message": "required"}],
        )
    return key


def _route_of(request: Request[Any, Any, Any]) -> str:
    return f"{request.method} {request.scope.get('path_template', request.url.path)}"


@dataclass(frozen=True)
class KeyClaim:
    """The record a database function inserts to claim the key (`run_claimed`)."""

    record_id: uuid.UUID
    caller: str
    route: str
    key: str
    request_hash: str

    def params(self) -> dict[str, Any]:
        """The claim as the function's parameters."""
        return {
            "record_id": self.record_id,
            "caller": self.caller,
            "route": self.route,
            "key": self.key,
            "request_hash": self.request_hash,
        }

    def record(self, now: datetime, **answer: Any) -> dict[str, Any]:
        """The claim as an `idempotency_record` row for `_CLAIM`, with its answer if given."""
        return {
            "id": self.record_id,
            "caller": self.caller,
            "route": self.route,
            "key": self.key,
            "request_hash": self.request_hash,
            "created_at": now,
            **answer,
        }


def key_claim(
    request: Request[Any, Any, Any], *, caller: str, key: str | None, body: Any
) -> KeyClaim:
    """The claim for this caller, route, key and body; 422 without a key."""
    return KeyClaim(
        uuid.uuid4(), caller, _route_of(request), _required(key), request_fingerprint(body)
    )


Render = Callable[[str], bytes]  # a stored answer (ANSWER_MEDIA_TYPE) -> the response body


async def run_claimed(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    clock: Clock,
    claim: KeyClaim,
    *,
    effect: Callable[[], Awaitable[str]],
    render: Render,
    status_code: int,
) -> Response[Any]:
    """Answer a request whose `effect` claims `claim` in the database itself, together with its
    work and its stored answer (returned), in one statement; `KeyUsed` when the key was claimed
    before. A domain error from the effect wrote nothing: it is stored with the key here."""
    try:
        answer = await effect()
    except KeyUsed:
        return await _replay(db, claim, render)
    except DomainError as exc:
        problem = handle_domain_error(request, exc)
        encoded = encode_body(problem.content)
        stored = await _CLAIM_REFUSED.all(
            db,
            **claim.record(
                clock.now(),
                status_code=problem.status_code or 409,
                response_body=encoded.decode(),
                media_type=PROBLEM_MEDIA_TYPE,
            ),
        )
        if not stored:  # an answer was stored for the key meanwhile
            return await _replay(db, claim, render)
        raise CommittedRefusal(exc) from exc
    return Response(content=render(answer), status_code=status_code, media_type="application/json")


async def _store(
    db: AsyncSession, record_id: uuid.UUID, status: int, content: Any, media_type: str
) -> bytes:
    encoded = encode_body(content)  # stored as sent: replays match the first answer
    await db.execute(
        _STORE_RESPONSE,
        {
            "record_id": record_id,
            "status_code": status,
            "response_body": encoded.decode(),
            "media_type": media_type,
        },
    )
    return encoded


async def _replay(db: AsyncSession, claim: KeyClaim, render: Render | None = None) -> Response[Any]:
    record = await _RECORD.first(db, caller=claim.caller, route=claim.route, key=claim.key)
    assert record is not None, "a key claimed before is stored until its retention ends"
    if record.request_hash != claim.request_hash:
        raise ProblemError(
            422,
            "idempotency-key-reused",
            message="idempotency-key-reused",
            params={"header": IDEMPOTENCY_HEADER},
            errors=[{"field": IDEMPOTENCY_HEADER, "message": "reused with another body"}],
        )
    if record.status_code is None:  # only visible inside the claiming transaction itself
        raise ProblemError(409, "conflict", message="idempotency-key-in-progress")
    body, media_type = record.response_body or "", record.media_type or "application/json"
    if media_type == ANSWER_MEDIA_TYPE and render is not None:
        content, media_type = render(body), "application/json"
    else:
        content = body.encode()
    return Response(
        content=content,
        status_code=record.status_code,
        media_type=media_type,
        headers={REPLAYED_HEADER: "true"},
    )


async def purge_idempotency_records(db: AsyncSession, *, older_than: datetime) -> int:
    """Forget keys past their retention: after that, the same key is treated as new."""
    result = await db.execute(
        sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def retention_cutoff(now: datetime, hours: int) -> datetime:
    return now - timedelta(hours=hours)


async def purge_idempotency_keys(ctx: JobContext) -> str:
    """The periodic job: forget keys past IDEMPOTENCY_RETENTION_HOURS."""
    cutoff = retention_cutoff(ctx.clock.now(), ctx.settings.idempotency_retention_hours)
    async with ctx.sessionmaker.begin() as db:
        purged = await purge_idempotency_records(db, older_than=cutoff)
    return f"purged {purged} idempotency records older than {cutoff.isoformat()}"
