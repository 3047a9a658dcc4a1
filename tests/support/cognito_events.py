"""THE builder of Cognito user-pool trigger events for tests (and anything standing in for Cognito).

Shapes follow Cognito's documentation of the post-confirmation and post-authentication triggers:
every attribute is a string (``"email_verified": "true"``), ``cognito:user_status`` rides along,
and ``response`` is an empty object the function returns untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLIENT_ID = "test-app-client"


def _base(
    trigger_source: str, pool_id: str, user_name: str, region: str = "us-east-1"
) -> dict[str, Any]:
    return {
        "version": "1",
        "region": region,
        "userPoolId": pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
        "triggerSource": trigger_source,
        "request": {},
        "response": {},
    }


def post_confirmation(
    pool_id: str,
    user_name: str,
    attributes: Mapping[str, str],
    *,
    trigger_source: str = "PostConfirmation_ConfirmSignUp",
) -> dict[str, Any]:
    event = _base(trigger_source, pool_id, user_name)
    event["request"] = {
        "userAttributes": {"cognito:user_status": "CONFIRMED", **attributes},
        "clientMetadata": {},
    }
    return event


def post_authentication(
    pool_id: str, user_name: str, attributes: Mapping[str, str], *, new_device: bool = False
) -> dict[str, Any]:
    event = _base("PostAuthentication_Authentication", pool_id, user_name)
    event["request"] = {
        "userAttributes": {"cognito:user_status": "CONFIRMED", **attributes},
        "newDeviceUsed": new_device,
        "clientMetadata": {},
    }
    return event


def attributes_of(cognito: Any, pool_id: str, user_name: str) -> dict[str, str]:
    """The user's attributes as the pool holds them (what Cognito puts in trigger events)."""
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=user_name)
    return {entry["Name"]: entry["Value"] for entry in user["UserAttributes"]}
