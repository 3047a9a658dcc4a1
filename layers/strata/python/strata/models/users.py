"""Users (the profile, keyed by the Cognito ``sub``), and what may change on them."""

import json
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from strata.models.base import Email, Entity, Identifier, StrataModel, UtcDateTime

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class UserRole(StrEnum):
    USER = "user"
    ADMIN = "admin"


class IdentityProvider(StrEnum):
    COGNITO = "COGNITO"
    GOOGLE = "Google"
    LOGIN_WITH_AMAZON = "LoginWithAmazon"
    SAML = "SAML"


class Theme(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class UserPreferences(StrataModel):
    theme: Theme = Theme.SYSTEM
    notifications: bool = True
    language: LanguageCode = "en"


class UserMetadata(StrataModel):
    registration_source: Annotated[str, StringConstraints(max_length=64)] = "cognito"
    email_verified: bool = False
    terms_accepted_at: UtcDateTime | None = None
    cognito_username: Annotated[str, StringConstraints(max_length=128)] | None = None


class User(Entity):
    """A user profile. Cognito owns credentials; no password material is ever stored here."""

    user_id: Identifier
    email: Email
    first_name: Annotated[str, StringConstraints(max_length=100)] = ""
    last_name: Annotated[str, StringConstraints(max_length=100)] = ""
    role: UserRole = UserRole.USER
    provider: IdentityProvider = IdentityProvider.COGNITO
    is_active: bool = True
    last_login_at: UtcDateTime | None = None
    login_count: int = Field(default=0, ge=0)
    preferences: UserPreferences = Field(default_factory=UserPreferences)
    metadata: UserMetadata = Field(default_factory=UserMetadata)


class CognitoClaims(StrataModel):
    """The verified ID-token claims a profile is created or refreshed from."""

    model_config = ConfigDict(extra="ignore", alias_generator=None)

    sub: Identifier
    email: Email
    given_name: Annotated[str, StringConstraints(max_length=100)] = ""
    family_name: Annotated[str, StringConstraints(max_length=100)] = ""
    email_verified: bool = False
    cognito_username: str | None = Field(default=None, alias="cognito:username")
    cognito_groups: list[str] = Field(default_factory=list, alias="cognito:groups")
    # Federated sign-ins carry [{"providerName": "Google", ...}] (a JSON string in triggers).
    identities: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("identities", mode="before")
    @classmethod
    def _identities_from_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @property
    def role(self) -> UserRole:
        return UserRole.ADMIN if "ADMIN" in self.cognito_groups else UserRole.USER

    @property
    def provider(self) -> IdentityProvider:
        """Where the user signed in: a federated provider, SAML, or Cognito itself."""
        if not self.identities:
            return IdentityProvider.COGNITO
        name = str(self.identities[0].get("providerName", ""))
        known = {p.value: p for p in IdentityProvider}
        if name in known:
            return known[name]
        if str(self.identities[0].get("providerType", "")).upper() == "SAML":
            return IdentityProvider.SAML
        return IdentityProvider.COGNITO


class UserUpdate(StrataModel):
    """What a user may change on their own profile (all optional; absent means unchanged)."""

    first_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    last_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    preferences: UserPreferences | None = None


class AdminUserUpdate(UserUpdate):
    """What an administrator may change on any profile."""

    role: UserRole | None = None
    is_active: bool | None = None


__all__ = [
    "AdminUserUpdate",
    "CognitoClaims",
    "IdentityProvider",
    "Theme",
    "User",
    "UserMetadata",
    "UserPreferences",
    "UserRole",
    "UserUpdate",
]
