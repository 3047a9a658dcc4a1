"""Who the caller is (from verified Cognito claims) and what they may do."""

from strata.auth.caller import ADMIN_GROUP, Caller, caller_from_claims, parse_groups
from strata.auth.policy import (
    can_see_application,
    require_admin,
    require_no_admin_fields,
    require_self_or_admin,
)

__all__ = [
    "ADMIN_GROUP",
    "Caller",
    "caller_from_claims",
    "can_see_application",
    "parse_groups",
    "require_admin",
    "require_no_admin_fields",
    "require_self_or_admin",
]
