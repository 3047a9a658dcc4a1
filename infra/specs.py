"""Plain data the stacks render and the local stack provisions from (no CDK import here).

The user directory's password policy, groups and token lifetimes, and the ingest queue's
redrive count: ``infra/constructs`` build CDK resources from these values, and ``local/``
creates the same resources in moto from them, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

# Ingest queue: deliveries before a message moves to the dead-letter queue.
MAX_RECEIVE_COUNT = 5


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True
    temp_password_validity_days: int = 3


@dataclass(frozen=True)
class GroupSpec:
    name: str
    precedence: int  # lower wins when a user is in several groups
    description: str


PASSWORD_POLICY = PasswordPolicy()
ROLE_ATTRIBUTE = "role"
GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("ADMIN", 0, "Platform administrators: manage users, groups and applications"),
    GroupSpec("DEVELOPERS", 10, "Builders of applications on the platform"),
    GroupSpec("GENERAL", 20, "Everyone else"),
)
# App client token lifetimes.
ACCESS_TOKEN_VALIDITY_HOURS = 1
ID_TOKEN_VALIDITY_HOURS = 1
REFRESH_TOKEN_VALIDITY_DAYS = 30
