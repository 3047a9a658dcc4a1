"""Opaque pagination tokens: signed, and bound to the query that produced them.

A token is ``base64url(json(position)) "." base64url(hmac)``. The HMAC covers the position and
the query's binding (table, index, partition key values, direction), so a token that was altered,
or that is presented to any other query (another user's partition, another index, the other
direction), is refused with a ValidationError before anything reaches DynamoDB.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from strata.errors import ValidationError

MAX_TOKEN_CHARS = 4096


@dataclass(frozen=True)
class QueryBinding:
    """What a token is valid for."""

    table: str
    index: str | None
    partitions: tuple[str, ...]
    forward: bool

    def canonical(self) -> bytes:
        return json.dumps(
            [self.table, self.index or "", list(self.partitions), self.forward],
            separators=(",", ":"),
        ).encode()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_of(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    if len(key) < 16:
        raise ValueError("the pagination token secret must be at least 16 bytes")
    return key


class TokenSigner:
    """Signs and verifies pagination positions with an HMAC-SHA256 key."""

    def __init__(self, secret: str | bytes) -> None:
        self._key = _key_of(secret)

    def encode(self, position: Any, binding: QueryBinding) -> str:
        payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._sign(payload, binding))}"

    def decode(self, token: str, binding: QueryBinding) -> Any:
        invalid = ValidationError(
            "nextToken is not valid for this list",
            details={"fields": [{"field": "nextToken", "message": "invalid or foreign token"}]},
        )
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
            raise invalid
        payload_text, signature_text = token.split(".")
        try:
            payload = _b64decode(payload_text)
            signature = _b64decode(signature_text)
        except (binascii.Error, ValueError):
            raise invalid from None
        if not hmac.compare_digest(signature, self._sign(payload, binding)):
            raise invalid
        try:
            return json.loads(payload)
        except ValueError:
            raise invalid from None

    def _sign(self, payload: bytes, binding: QueryBinding) -> bytes:
        key = self._signing_key()
        return hmac.new(key, binding.canonical() + b"\n" + payload, hashlib.sha256).digest()

    def _signing_key(self) -> bytes:
        return self._key


class SecretOnFirstUse(TokenSigner):
    """A :class:`TokenSigner` whose secret is read by the first token it signs or checks.

    The api reads its secret from SSM (a Secrets Manager reference): read when the table is built,
    it cost a client and a call on every container's first request, paged or not; read here, a
    container whose requests page nothing never reads it. A secret too short is refused when it
    is read, as :class:`TokenSigner` refuses it when built.
    """

    def __init__(self, read_secret: Callable[[], str | bytes]) -> None:
        self._read_secret = read_secret
        self._read_key: bytes | None = None
        self._lock = threading.Lock()

    def _signing_key(self) -> bytes:
        key = self._read_key
        if key is None:
            with self._lock:
                if self._read_key is None:
                    self._read_key = _key_of(self._read_secret())
                key = self._read_key
        return key


def binding_for(
    table: str, index: str | None, partitions: Sequence[str], *, forward: bool
) -> QueryBinding:
    return QueryBinding(table=table, index=index, partitions=tuple(partitions), forward=forward)
