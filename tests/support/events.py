"""THE builder of API Gateway REST (v1) proxy events for every API test.

Events look like what API Gateway sends through a ``{proxy+}`` resource with a Cognito user pool
authorizer: claims are strings under ``requestContext.authorizer.claims``, and ``cognito:groups``
is rendered the way REST APIs render a list claim (``"[ADMIN, GENERAL]"``) unless told otherwise.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from local.events import GroupsStyle, LambdaContext, proxy_event, render_claims


@dataclass(frozen=True)
class Identity:
    """A signed-in test user: what the Cognito authorizer would put in the claims."""

    sub: str = field(default_factory=lambda: str(uuid.uuid4()))
    email: str = ""
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.email:
            object.__setattr__(self, "email", f"{self.sub[:8]}@example.com")

    def claims(self, groups_style: GroupsStyle = "bracketed") -> dict[str, Any]:
        """The claims as the authorizer forwards them (rendered by :func:`render_claims`)."""
        claims: dict[str, Any] = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": True,
            "token_use": "id",
            "cognito:username": self.sub,
        }
        if self.groups:
            claims["cognito:groups"] = list(self.groups)
        return render_claims(claims, groups_style)


def api_event(
    method: str,
    path: str,
    *,
    identity: Identity | None = None,
    body: Any = None,
    query: Mapping[str, str | int | Iterable[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    groups_style: GroupsStyle = "bracketed",
    stage: str = "dev",
) -> dict[str, Any]:
    """A proxy event for ``method path``; ``identity=None`` sends no claims at all.

    ``path`` may carry a query string; ``body`` is JSON-encoded unless it is already a string.
    The event itself is built by :func:`local.events.proxy_event`, as the local gateway does.
    """
    split = urlsplit(path)
    params: dict[str, list[str]] = {}
    if split.query:
        for pair in split.query.split("&"):
            name, _, value = pair.partition("=")
            params.setdefault(name, []).append(value)
    for name, given in (query or {}).items():
        if isinstance(given, str | int):
            params.setdefault(name, []).append(str(given))
        else:
            params.setdefault(name, []).extend(str(v) for v in given)

    all_headers = {"Accept": "application/json", "Host": "api.example.com"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    if identity is not None:
        all_headers["Authorization"] = f"Bearer test-token-for-{identity.sub}"
    all_headers.update(headers or {})

    return proxy_event(
        method,
        split.path,
        query=params,
        headers=all_headers,
        body=body if body is None or isinstance(body, str) else json.dumps(body),
        claims=identity.claims(groups_style) if identity is not None else None,
        stage=stage,
        user_agent="strata-tests",
    )


class LambdaContextStub(LambdaContext):
    """The attributes of a Lambda context object that Powertools reads (a test function's)."""

    def __init__(self) -> None:
        super().__init__(
            function_name="strata-test-api",
            invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:strata-test-api",
        )


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    raw_body: str

    def json(self) -> Any:
        return json.loads(self.raw_body) if self.raw_body else None


def parse_response(response: Mapping[str, Any]) -> ApiResponse:
    headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(str(name), ",".join(str(v) for v in values))
    return ApiResponse(
        status=int(response["statusCode"]), headers=headers, raw_body=response.get("body") or ""
    )
