"""Tokens an attacker can make: expired, signed with another key, ``alg: none``, HS256 keyed with
the pool's public key, for another audience, an access token, garbage. The local stack's gateway
must refuse every one (401) the way API Gateway's Cognito authorizer does."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.local_stack import User


def _pool_key() -> Any:
    """moto's signing key: the one the emulated pool signs every token with."""
    raw = resources.files("moto").joinpath("cognitoidp/resources/jwks-private.json.gz")
    jwk = json.loads(gzip.decompress(raw.read_bytes()))
    return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def _claims(user: User, **changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(user.id_token, options={"verify_signature": False})
    claims.update(changes)
    return claims


def _kid(user: User) -> str:
    return str(jwt.get_unverified_header(user.id_token).get("kid", "dummy"))


def expired(user: User) -> str:
    now = int(time.time())
    claims = _claims(user, iat=now - 3700, auth_time=now - 3700, exp=now - 60)
    return jwt.encode(claims, _pool_key(), algorithm="RS256", headers={"kid": _kid(user)})


def another_key(user: User) -> str:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(user), forger, algorithm="RS256", headers={"kid": _kid(user)})


def alg_none(user: User) -> str:
    return _unsigned({"alg": "none", "typ": "JWT", "kid": _kid(user)}, _claims(user)) + "."


def hs256_with_the_public_key(user: User) -> str:
    public = (
        _pool_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": _kid(user)}, _claims(user))
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def another_audience(user: User) -> str:
    claims = _claims(user, aud="another-app-client")
    return jwt.encode(claims, _pool_key(), algorithm="RS256", headers={"kid": _kid(user)})


def access_token(user: User) -> str:
    claims = _claims(user, token_use="access")
    return jwt.encode(claims, _pool_key(), algorithm="RS256", headers={"kid": _kid(user)})


def another_issuer(user: User) -> str:
    claims = _claims(user, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_forged")
    return jwt.encode(claims, _pool_key(), algorithm="RS256", headers={"kid": _kid(user)})


def tampered_claims(user: User) -> str:
    """The user's real signature over changed claims (another subject, the admin group)."""
    header, _, signature = user.id_token.split(".")
    claims = _claims(user, sub="00000000-0000-0000-0000-000000000000")
    claims["cognito:groups"] = ["ADMIN"]
    return header + "." + _b64(json.dumps(claims).encode()) + "." + signature


def garbage(_: User) -> str:
    return "not.a.token"


FORGERIES: dict[str, Callable[[User], str]] = {
    "expired": expired,
    "signed with another key": another_key,
    "alg none": alg_none,
    "HS256 keyed with the public key": hs256_with_the_public_key,
    "another audience": another_audience,
    "another issuer": another_issuer,
    "access token": access_token,
    "tampered claims": tampered_claims,
    "garbage": garbage,
}
