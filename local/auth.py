"""Identity on the local stack: the Cognito authorizer's token check, and the sign-in pages.

:class:`TokenVerifier` does what API Gateway's Cognito user pool authorizer does with the
``Authorization`` header: verify an ID token's RS256 signature against the pool's JWKS (served by
the emulator), its issuer, audience (the app client), expiry and ``token_use``, and hand the
claims on. :class:`Accounts` stands in for the hosted sign-up and sign-in pages: it calls the
emulated pool and then the ``cognito`` function's triggers, as Cognito would (moto calls none).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jwt
from botocore.exceptions import ClientError

from infra.specs import PASSWORD_POLICY
from local.events import REGION
from local.functions import Function

log = logging.getLogger("local.auth")

# Pool errors and the HTTP status they get (Cognito answers every one of them with a 400).
_STATUS_BY_ERROR = {
    "UsernameExistsException": 409,
    "InvalidPasswordException": 400,
    "InvalidParameterException": 400,
    "NotAuthorizedException": 401,
    "UserNotFoundException": 401,
    "UserNotConfirmedException": 403,
    "UserLambdaValidationException": 400,
    "TooManyRequestsException": 429,
}


class Unauthenticated(Exception):
    """The request carries no token the authorizer accepts."""


class AccountError(Exception):
    """The pool refused a sign-up or sign-in: its error code, message and an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def issuer_of(pool_id: str, region: str = REGION) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


class TokenVerifier:
    """Verifies ID tokens of one pool and app client against the pool's JWKS."""

    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)
        self._issuer = issuer
        self._audience = audience

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of an ``Authorization`` header (``Bearer <token>`` or the token)."""
        token = (authorization or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            raise Unauthenticated("no token")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(str(exc)) from exc
        if claims.get("token_use") != "id":
            raise Unauthenticated("not an ID token")
        return claims


@dataclass(frozen=True)
class Tokens:
    idToken: str
    accessToken: str
    refreshToken: str
    expiresIn: int
    tokenType: str = "Bearer"


class Accounts:
    """Sign-up and sign-in against the emulated pool, with the triggers Cognito would run."""

    def __init__(self, cognito: Any, pool_id: str, client_id: str, triggers: Function) -> None:
        self._cognito = cognito
        self._pool_id = pool_id
        self._client_id = client_id
        self._triggers = triggers

    def sign_up(self, email: str, password: str, groups: tuple[str, ...] = ()) -> str:
        """Create and confirm the user, run post-confirmation; returns the user's ``sub``."""
        with _pool_errors():
            created = self._cognito.sign_up(
                ClientId=self._client_id,
                Username=email,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}],
            )
            sub = str(created["UserSub"])
            self._cognito.admin_confirm_sign_up(UserPoolId=self._pool_id, Username=email)
            self._cognito.admin_update_user_attributes(
                UserPoolId=self._pool_id,
                Username=email,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}],
            )
            for group in groups:
                self._cognito.admin_add_user_to_group(
                    UserPoolId=self._pool_id, Username=email, GroupName=group
                )
        self._run_trigger("PostConfirmation_ConfirmSignUp", email, {"clientMetadata": {}})
        return sub

    def log_in(self, username: str, password: str) -> Tokens:
        """The pool's tokens for a user name (e-mail) and password; runs post-authentication."""
        with _pool_errors():
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._pool_id,
                ClientId=self._client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        auth = result.get("AuthenticationResult")
        if not auth:
            challenge = result.get("ChallengeName", "a challenge")
            raise AccountError(400, "ChallengeRequired", f"the pool asks for {challenge}")
        self._run_trigger(
            "PostAuthentication_Authentication",
            username,
            {"newDeviceUsed": False, "clientMetadata": {}},
        )
        return Tokens(
            idToken=auth["IdToken"],
            accessToken=auth["AccessToken"],
            refreshToken=auth.get("RefreshToken", ""),
            expiresIn=int(auth.get("ExpiresIn", 3600)),
        )

    def set_password(self, username: str, password: str) -> None:
        """A permanent new password (the pool's policy applies)."""
        with _pool_errors():
            self._cognito.admin_set_user_password(
                UserPoolId=self._pool_id, Username=username, Password=password, Permanent=True
            )

    def exists(self, username: str) -> bool:
        try:
            self._cognito.admin_get_user(UserPoolId=self._pool_id, Username=username)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "UserNotFoundException":
                return False
            raise
        return True

    def _run_trigger(self, source: str, username: str, request: Mapping[str, Any]) -> None:
        if not self._triggers.available:
            return
        with _pool_errors():
            user = self._cognito.admin_get_user(UserPoolId=self._pool_id, Username=username)
        attributes = {entry["Name"]: entry["Value"] for entry in user["UserAttributes"]}
        attributes["cognito:user_status"] = str(user.get("UserStatus", "CONFIRMED"))
        event = {
            "version": "1",
            "region": REGION,
            "userPoolId": self._pool_id,
            "userName": str(user["Username"]),
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": self._client_id,
            },
            "triggerSource": source,
            "request": {"userAttributes": attributes, **request},
            "response": {},
        }
        try:
            self._triggers.invoke(event)
        except Exception as exc:
            # Cognito fails the confirmation or sign-in with the function's message.
            log.exception("cognito trigger %s failed for %s", source, username)
            raise AccountError(
                400, "UserLambdaValidationException", f"{source} failed with error {exc}."
            ) from exc


@contextmanager
def _pool_errors() -> Iterator[None]:
    """Turn the pool's ClientErrors into :class:`AccountError` with the pool's own code."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Error"))
        message = str(error.get("Message", "")) or code
        if code in ("UserNotFoundException", "NotAuthorizedException"):
            # The app client prevents user-existence errors: both read the same.
            code, message = "NotAuthorizedException", "Incorrect username or password."
        elif code == "UsernameExistsException":
            message = "An account with the given email already exists."
        elif code == "InvalidPasswordException":
            message = "Password did not conform with policy: " + _POLICY_TEXT
        raise AccountError(_STATUS_BY_ERROR.get(code, 400), code, message) from exc


_POLICY_TEXT = (
    f"at least {PASSWORD_POLICY.min_length} characters with lower and upper case letters, "
    "a digit and a symbol"
)
