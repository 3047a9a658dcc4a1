"""Who is calling: the verified claims API Gateway's Cognito authorizer hands to the function.

API Gateway has already verified the token; the function only reads the claims it forwards in
``requestContext.authorizer.claims``. A REST API renders every claim as a string, so
``cognito:groups`` arrives as ``"[ADMIN, GENERAL]"`` or ``"ADMIN,GENERAL"`` (or a real list when
the event comes from elsewhere): :func:`parse_groups` accepts every form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strata.errors import Unauthorized

ADMIN_GROUP = "ADMIN"


@dataclass(frozen=True, repr=False)
class Caller:
    """The signed-in user a request acts for.

    Its ``repr`` names the user by id only: Powertools formats a route's arguments for a debug
    line on every request (enabled or not), and an email address has no place in a log line.
    """

    user_id: str
    email: str | None = None
    groups: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return f"Caller({self.user_id!r})"

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


def parse_groups(raw: object) -> frozenset[str]:
    """``cognito:groups`` in any of the shapes it takes in proxy events, as a set of names."""
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple | set | frozenset):
        return frozenset(str(item).strip() for item in raw if str(item).strip())
    text = str(raw).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return frozenset(
        part.strip().strip('"').strip("'")
        for part in text.replace(",", " ").split()
        if part.strip().strip('"').strip("'")
    )


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    """The caller named by verified claims; no ``sub`` means no identity (Unauthorized)."""
    if not claims:
        raise Unauthorized("this request carries no verified identity")
    user_id = str(claims.get("sub") or "").strip()
    if not user_id:
        raise Unauthorized("the identity token has no subject")
    email = claims.get("email")
    return Caller(
        user_id=user_id,
        email=str(email) if email else None,
        groups=parse_groups(claims.get("cognito:groups")),
    )


def caller_from_event(event: Mapping[str, Any]) -> Caller:
    """The caller of a REST API proxy event (``requestContext.authorizer.claims``)."""
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    return caller_from_claims(authorizer.get("claims"))
