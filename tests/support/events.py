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
from typing import Any, Literal
from urllib.parse import urlsplit

GroupsStyle = Literal["bracketed", "comma", "list"]


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
        groups: Any
        if groups_style == "bracketed":
            groups = "[" + ", ".join(self.groups) + "]"
        elif groups_style == "comma":
            groups = ",".join(self.groups)
        else:
            groups = list(self.groups)
        claims: dict[str, Any] = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": "true",
            "token_use": "id",
            "cognito:username": self.sub,
        }
        if self.groups:
            claims["cognito:groups"] = groups
        return claims


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

    request_id = str(uuid.uuid4())
    authorizer: dict[str, Any] | None = (
        {"claims": identity.claims(groups_style)} if identity is not None else None
    )
    return {
        "resource": "/{proxy+}",
        "path": split.path,
        "httpMethod": method.upper(),
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in params.items()} or None,
        "multiValueQueryStringParameters": params or None,
        "pathParameters": {"proxy": split.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "testapi",
            "authorizer": authorizer,
            "httpMethod": method.upper(),
            "identity": {"sourceIp": "192.0.2.10", "userAgent": "strata-tests"},
            "path": f"/{stage}{split.path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTimeEpoch": 1_700_000_000_000,
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }


@dataclass
class LambdaContextStub:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str = "strata-test-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:strata-test-api"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


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
