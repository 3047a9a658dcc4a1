"""The OpenAPI metadata: one source for ``/openapi.json``, ``/swagger`` and ``make openapi``.

Powertools' OpenAPI models (about 40 pydantic classes, a sixth of the function's import) serve
only these two documents, never a validated request, so nothing here imports them until one of
the documents is asked for: the metadata is passed when the document is generated instead of
through ``configure_openapi``/``enable_swagger`` at import (both import the models), and
``/swagger`` is served here the way ``enable_swagger`` serves it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response, api_gateway, content_types

from lambdas.api.areas import AreaResolver

API_VERSION = "1.0.0"
TITLE = "Strata API"
DESCRIPTION = (
    "The REST API of Strata. Send a Cognito ID token as `Authorization: Bearer <token>`. "
    "Every list takes `limit` (1-100) and `nextToken`; every error is "
    '`{"error": {"type", "message", "details"}}`.'
)


@cache
def openapi_info() -> dict[str, Any]:
    """The keyword arguments of Powertools' OpenAPI generation: title, version, security."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer  # noqa: PLC0415

    return {
        "title": TITLE,
        "version": API_VERSION,
        "description": DESCRIPTION,
        "security_schemes": {
            "cognito": HTTPBearer(bearerFormat="JWT", description="Cognito user pool ID token"),
        },
        "security": [{"cognito": []}],
    }


def openapi_json(app: AreaResolver) -> str:
    """The OpenAPI 3.1 document of ``app``'s every route as JSON (stable: what ``make openapi``
    commits)."""
    app.include_all_areas()
    return app.get_openapi_json_schema(**openapi_info())


def swagger_page(app: AreaResolver) -> Response[str]:
    """Swagger UI over the document (``?format=json``: the document as Swagger UI gets it;
    ``?format=oauth2-redirect``: Swagger UI's OAuth2 redirect page), with Powertools' bundled
    script and style inlined, as ``enable_swagger`` serves it."""
    from aws_lambda_powertools.event_handler.openapi.compat import model_json  # noqa: PLC0415
    from aws_lambda_powertools.event_handler.openapi.models import Server  # noqa: PLC0415
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import (  # noqa: PLC0415
        generate_oauth2_redirect_html,
        generate_swagger_html,
    )

    query = app.current_event.query_string_parameters or {}
    if query.get("format") == "oauth2-redirect":
        return Response(200, "text/html", generate_oauth2_redirect_html())
    app.include_all_areas()
    servers = [Server(url=app._get_base_path() or "/")]
    spec = app.get_openapi_schema(servers=servers, **openapi_info())
    # '</' escaped: the document is inlined in a <script> element.
    escaped = model_json(spec, by_alias=True, exclude_none=True, indent=2).replace("</", "<\\/")
    if query.get("format") == "json":
        return Response(200, content_types.APPLICATION_JSON, escaped)
    script, style = _swagger_assets()
    # No base URL: the script and style are inlined; no OAuth2 configuration.
    body = generate_swagger_html(escaped, script, style, "", None, False)
    return Response(200, "text/html", body)


@cache
def _swagger_assets() -> tuple[str, str]:
    assets = Path(api_gateway.__file__).parent / "openapi" / "swagger_ui"
    return (
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
    )
