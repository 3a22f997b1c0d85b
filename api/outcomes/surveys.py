"""The learner's NPS survey routes: whether the survey is due (the app asks after a
milestone), and the answer, accepted at most once per 90 days."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.caller import Caller
from api.idempotency import OptionalIdempotencyKey, run_idempotent
from api.openapi import problem_responses
from api.outcomes.schemas import NpsDueOut, NpsIn, NpsOut
from api.timestamps import TimestampedResponse
from core.clock import Clock
from gamification.outcomes.nps import answer_nps, nps_due


class SurveyController(Controller):
    path = "/v1/me/surveys"
    tags = ("outcomes",)

    @get(
        "/nps",
        operation_id="npsDue",
        summary="Whether the app should ask the satisfaction survey now",
        responses=problem_responses(401),
    )
    async def due(
        self,
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
    ) -> NpsDueOut:
        """`due` once the caller has reached a milestone (a course completed, a voucher bought
        with points, a contest entered finished) since the last answer, and that answer is at
        least 90 days old; `next_allowed_at` while an answer holds the survey closed."""
        answer = await nps_due(db, user_id=caller.user_id, now=clock.now())
        return NpsDueOut(answer.due, answer.next_allowed_at)

    @post(
        "/nps",
        operation_id="answerNps",
        summary="Answer the satisfaction survey: a 0-10 score and an optional comment",
        status_code=201,
        responses={
            201: ResponseSpec(data_container=NpsOut, description="The answer as stored"),
            **problem_responses(400, 401, 409, 422),
        },
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        clock: NamedDependency[Clock],
        caller: NamedDependency[Caller],
        data: JSONBody[NpsIn],
        idempotency_key: OptionalIdempotencyKey = None,
    ) -> Response[Any]:
        """409 `nps-answered-recently` (with `next_allowed_at`) within 90 days of the last
        answer; 422 naming `score` (not 0-10) or `comment` (over 1000 characters)."""

        async def effect() -> tuple[int, Any]:
            answer = await answer_nps(
                db,
                user_id=caller.user_id,
                score=data.score,
                comment=data.comment,
                now=clock.now(),
            )
            out = NpsOut(
                answer.id, answer.score, answer.comment, answer.answered_at, answer.next_allowed_at
            )
            return 201, out

        if idempotency_key is None:
            status, content = await effect()
            return TimestampedResponse(content, status_code=status)
        return await run_idempotent(
            db,
            request,
            clock,
            caller=f"user:{caller.user_id}",
            key=idempotency_key,
            body=data,
            effect=effect,
            refusals_write_nothing=True,  # the refusal comes before any write
        )
