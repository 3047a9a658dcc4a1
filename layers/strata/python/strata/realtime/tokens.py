"""The Cognito ID token a client presents on ``$connect`` (``?token=``), checked with PyJWT.

The signature (RS256) is checked against the user pool's JWKS, fetched once and cached per
container (keys are refetched only for an unknown ``kid``), and so are the issuer
(``https://cognito-idp.{region}.amazonaws.com/{userPoolId}``), the audience (the app client,
``settings.user_pool_client_id``), the expiry and ``token_use == "id"``. The local stack serves
the emulated pool's JWKS and points ``settings.user_pool_jwks_url`` at it.
"""

from __future__ import annotations

from typing import Any

import jwt

from strata.config import Settings
from strata.errors import Unauthorized

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "token_use"]
JWKS_CACHE_SECONDS = 3600


def issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class IdTokenVerifier:
    """Verifies ID tokens of one pool and app client; the JWKS is fetched on first use."""

    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        if not audience:
            raise RuntimeError("the WebSocket API needs STRATA_USER_POOL_CLIENT_ID (the audience)")
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS)
        self._issuer = issuer
        self._audience = audience

    @classmethod
    def for_settings(cls, settings: Settings) -> IdTokenVerifier:
        if not settings.user_pool_id:
            raise RuntimeError("the WebSocket API needs STRATA_USER_POOL_ID")
        expected = issuer(settings.region, settings.user_pool_id)
        jwks_url = settings.user_pool_jwks_url or f"{expected}/.well-known/jwks.json"
        return cls(jwks_url, expected, settings.user_pool_client_id)

    def verify(self, token: str | None) -> dict[str, Any]:
        """The verified claims, or :class:`Unauthorized` (no token, forged, expired, wrong pool,
        client or kind of token)."""
        token = (token or "").strip()
        if not token:
            raise Unauthorized("no token")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise RuntimeError(f"the user pool's keys could not be fetched: {exc}") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("the token is not valid", details={"reason": str(exc)}) from exc
        if claims.get("token_use") != "id":
            raise Unauthorized("not an ID token")
        return claims
