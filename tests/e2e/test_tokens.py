"""The gateway checks tokens like the Cognito authorizer: missing, expired, forged (another key),
wrong-audience and non-ID tokens get 401; the pool's own ID token gets through."""

from __future__ import annotations

import gzip
import json
import time
from importlib import resources
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.local_stack import LocalStackProcess, User

pytestmark = pytest.mark.e2e


def _pool_key() -> Any:
    """moto's signing key: the one the emulated pool signs every token with."""
    raw = resources.files("moto").joinpath("cognitoidp/resources/jwks-private.json.gz")
    return jwt.algorithms.RSAAlgorithm.from_jwk(
        json.dumps(json.loads(gzip.decompress(raw.read_bytes())))
    )


def _claims_like(user: User, **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    claims.update(changes)
    return claims


def _status(stack: LocalStackProcess, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(f"{stack.url}/sessions", headers=headers, timeout=30).status_code


def test_the_pools_id_token_gets_through(local_stack: LocalStackProcess, user: User) -> None:
    assert _status(local_stack, user.id_token) == 200


def test_a_request_without_a_token_is_401(local_stack: LocalStackProcess) -> None:
    response = requests.get(f"{local_stack.url}/sessions", timeout=30)
    assert response.status_code == 401
    # in the API's error shape, as the deployed API's gateway response renders it
    error = response.json()["error"]
    assert (error["type"], error["message"]) == ("Unauthorized", "Unauthorized")
    assert set(error["details"]) == {"requestId"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_expired_token_is_401(local_stack: LocalStackProcess, user: User) -> None:
    # Given a token signed by the pool's own key that expired a minute ago
    now = int(time.time())
    claims = _claims_like(user, iat=now - 3700, auth_time=now - 3700, exp=now - 60)
    token = jwt.encode(claims, _pool_key(), algorithm="RS256", headers={"kid": "dummy"})
    # Then it is refused
    assert _status(local_stack, token) == 401


def test_a_token_signed_with_another_key_is_401(local_stack: LocalStackProcess, user: User) -> None:
    # Given the user's own claims, signed with a key that is not the pool's
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims_like(user), forger, algorithm="RS256", headers={"kid": "dummy"})
    assert _status(local_stack, token) == 401


def test_a_token_for_another_audience_is_401(local_stack: LocalStackProcess, user: User) -> None:
    # Given a valid signature, but issued to another app client
    token = jwt.encode(
        _claims_like(user, aud="another-app-client"),
        _pool_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    assert _status(local_stack, token) == 401


def test_an_access_token_is_not_an_id_token(local_stack: LocalStackProcess, user: User) -> None:
    # Given the pool's signature and audience, but token_use=access
    token = jwt.encode(
        _claims_like(user, token_use="access"),
        _pool_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    assert _status(local_stack, token) == 401
