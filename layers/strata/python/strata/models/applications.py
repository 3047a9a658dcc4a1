"""Applications (REST, MCP or INBUILT), their grants to groups, and their daily usage."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from strata.models.base import (
    Entity,
    Identifier,
    LongText,
    ShortText,
    StrataModel,
    Title,
    UtcDateTime,
)

# A plain pattern rather than pydantic's AnyHttpUrl: its import (pydantic.networks) costs about
# 60 ms of cold start, and the value is stored and sent on exactly as given.
HttpUrl = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=2048,
        pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/\S*)?$",
    ),
]


class ApplicationType(StrEnum):
    REST = "REST"
    MCP = "MCP"
    INBUILT = "INBUILT"


class ApplicationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"
    MAINTENANCE = "MAINTENANCE"


class AuthType(StrEnum):
    NONE = "NONE"
    API_KEY = "API_KEY"
    BEARER = "BEARER"
    OAUTH2 = "OAUTH2"
    IAM = "IAM"


class AuthConfig(StrataModel):
    """How Strata authenticates to the application. Secrets are referenced, never stored."""

    type: AuthType = AuthType.NONE
    secret_arn: Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:[a-z-]+:")] | None = None
    header_name: Annotated[str, StringConstraints(max_length=128)] | None = None
    scopes: list[Annotated[str, StringConstraints(max_length=256)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _secret_when_needed(self) -> "AuthConfig":
        needs_secret = self.type in (AuthType.API_KEY, AuthType.BEARER, AuthType.OAUTH2)
        if needs_secret and self.secret_arn is None:
            raise ValueError(f"auth type {self.type} needs secretArn")
        return self


class RestConfig(StrataModel):
    type: Literal["REST"] = "REST"
    endpoint: HttpUrl
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, Annotated[str, StringConstraints(max_length=1024)]] = Field(
        default_factory=dict
    )
    timeout_seconds: int = Field(default=30, ge=1, le=900)
    auth: AuthConfig = Field(default_factory=AuthConfig)


class McpTransport(StrEnum):
    STREAMABLE_HTTP = "streamable-http"
    SSE = "sse"
    STDIO = "stdio"


class McpConfig(StrataModel):
    type: Literal["MCP"] = "MCP"
    server_url: HttpUrl | None = None
    transport: McpTransport = McpTransport.STREAMABLE_HTTP
    server_name: ShortText
    server_version: Annotated[str, StringConstraints(max_length=64)] | None = None
    command: Annotated[str, StringConstraints(max_length=1024)] | None = None
    tools: list[ShortText] = Field(default_factory=list, max_length=256)
    auth: AuthConfig = Field(default_factory=AuthConfig)

    @model_validator(mode="after")
    def _reachable(self) -> "McpConfig":
        if self.transport is McpTransport.STDIO and not self.command:
            raise ValueError("an stdio MCP server needs a command")
        if self.transport is not McpTransport.STDIO and self.server_url is None:
            raise ValueError(f"a {self.transport} MCP server needs serverUrl")
        return self


class InbuiltConfig(StrataModel):
    type: Literal["INBUILT"] = "INBUILT"
    feature: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")]
    settings: dict[str, Any] = Field(default_factory=dict)


ApplicationConfig = Annotated[RestConfig | McpConfig | InbuiltConfig, Field(discriminator="type")]


def _config_type_from_application(data: Any) -> Any:
    if isinstance(data, dict):
        config = data.get("config")
        if isinstance(config, dict) and "type" not in config and "type" in data:
            data = {**data, "config": {**config, "type": str(data["type"])}}
    return data


def _check_config_matches(app_type: ApplicationType | None, config: Any) -> None:
    if app_type is not None and config is not None and config.type != app_type.value:
        raise ValueError(f"config.type {config.type} does not match application type {app_type}")


class Application(Entity):
    app_id: Identifier
    name: ShortText
    description: LongText = ""
    type: ApplicationType
    status: ApplicationStatus = ApplicationStatus.ACTIVE
    config: ApplicationConfig
    created_by: Identifier

    _fill_config_type = model_validator(mode="before")(_config_type_from_application)

    @model_validator(mode="after")
    def _consistent(self) -> "Application":
        _check_config_matches(self.type, self.config)
        return self


class ApplicationCreate(StrataModel):
    name: Title
    description: LongText = ""
    type: ApplicationType
    status: ApplicationStatus = ApplicationStatus.ACTIVE
    config: ApplicationConfig

    _fill_config_type = model_validator(mode="before")(_config_type_from_application)

    @model_validator(mode="after")
    def _consistent(self) -> "ApplicationCreate":
        _check_config_matches(self.type, self.config)
        return self


class ApplicationUpdate(StrataModel):
    """Changes to an application; its type is fixed at creation."""

    name: Title | None = None
    description: LongText | None = None
    status: ApplicationStatus | None = None
    config: ApplicationConfig | None = None


class Grant(Entity):
    """A group may use an application. Carries a summary of the app for listings."""

    group_id: Identifier
    app_id: Identifier
    app_name: ShortText
    app_type: ApplicationType
    granted_by: Identifier
    granted_at: UtcDateTime


class ApplicationUsage(Entity):
    """One application's counters for one UTC day, kept by atomic ADDs."""

    app_id: Identifier
    day: date
    message_count: int = Field(default=0, ge=0)
    request_count: int = Field(default=0, ge=0)
    error_count: int = Field(default=0, ge=0)
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    total_duration_ms: int = Field(default=0, ge=0)


class UserUsage(Entity):
    """One user's counters for one UTC day: messages that named an application, and tokens."""

    user_id: Identifier
    day: date
    message_count: int = Field(default=0, ge=0)
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)


class UsageIncrement(StrataModel):
    """What one or more calls add to a day's counters."""

    request_count: int = Field(default=1, ge=0)
    error_count: int = Field(default=0, ge=0)
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    total_duration_ms: int = Field(default=0, ge=0)


__all__ = [
    "Application",
    "ApplicationConfig",
    "ApplicationCreate",
    "ApplicationStatus",
    "ApplicationType",
    "ApplicationUpdate",
    "ApplicationUsage",
    "AuthConfig",
    "AuthType",
    "Grant",
    "InbuiltConfig",
    "McpConfig",
    "McpTransport",
    "RestConfig",
    "UsageIncrement",
    "UserUsage",
]
