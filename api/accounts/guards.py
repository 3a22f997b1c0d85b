"""Role guards for routers, and the dependencies that hand controllers their caller."""

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from api.accounts.caller import Caller, PartnerCaller, Role


def requires_role(role: Role) -> Guard:
    """Admit callers holding `role` (admins hold every role)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's answer: the route's methods, no data; unauthenticated by design
        user = connection.scope.get("user")
        if not isinstance(user, Caller):
            raise NotAuthorizedException("Authentication is required.")
        if not user.has_role(role):
            raise PermissionDeniedException(f"This needs the {role} role.")

    return guard


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    user = request.scope.get("user")
    if not isinstance(user, Caller):
        raise NotAuthorizedException("Authentication is required.")
    return user


def provide_optional_caller(request: Request[Any, Any, Any]) -> Caller | None:
    """The caller on routes where a token is optional (`PUBLIC_GET_PATHS`); None without one."""
    user = request.scope.get("user")
    return user if isinstance(user, Caller) else None


def provide_partner(request: Request[Any, Any, Any]) -> PartnerCaller:
    user = request.scope.get("user")
    if not isinstance(user, PartnerCaller):
        raise NotAuthorizedException("A partner key is required.")
    return user
