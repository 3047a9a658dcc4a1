"""Pagination tokens: opaque, signed, and valid only for the query that made them."""

from __future__ import annotations

import base64
import json

import pytest

from strata.errors import ValidationError
from strata.store.tokens import SecretOnFirstUse, TokenSigner, binding_for

SIGNER = TokenSigner("unit-test-secret-0123456789")
ALICE = binding_for("t", "GSI1", ["USER#alice#DOCS"], forward=False)
POSITION = {"PK": "USER#alice", "SK": "DOC#1", "GSI1PK": "USER#alice#DOCS", "GSI1SK": "2026"}


def test_a_token_round_trips_for_its_own_query() -> None:
    token = SIGNER.encode(POSITION, ALICE)
    assert SIGNER.decode(token, ALICE) == POSITION
    assert "USER#" not in token  # opaque: base64, never a readable key


@pytest.mark.parametrize(
    "other",
    [
        binding_for("t", "GSI1", ["USER#bob#DOCS"], forward=False),  # another user
        binding_for("t", "GSI1", ["USER#alice#DOCS"], forward=True),  # other direction
        binding_for("t", "GSI2", ["USER#alice#DOCS"], forward=False),  # other index
        binding_for("other", "GSI1", ["USER#alice#DOCS"], forward=False),  # other table
    ],
)
def test_a_token_replayed_on_another_query_is_refused(other: object) -> None:
    token = SIGNER.encode(POSITION, ALICE)
    with pytest.raises(ValidationError):
        SIGNER.decode(token, other)  # type: ignore[arg-type]


def test_a_tampered_token_is_refused() -> None:
    # Given a token whose payload is rewritten to point into Bob's partition
    token = SIGNER.encode(POSITION, ALICE)
    _, signature = token.split(".")
    forged = dict(POSITION, PK="USER#bob")
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()

    # Then neither the forged payload nor garbage is accepted
    for bad in (f"{forged_payload}.{signature}", token[:-2], "garbage", "a.b.c", "", "x" * 5000):
        with pytest.raises(ValidationError):
            SIGNER.decode(bad, ALICE)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = TokenSigner("another-secret-0123456789").encode(POSITION, ALICE)
    with pytest.raises(ValidationError):
        SIGNER.decode(token, ALICE)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        TokenSigner("short")


def test_a_secret_read_on_first_use_is_read_once_and_signs_as_the_same_secret() -> None:
    # Given a signer whose secret is read on first use
    reads: list[str] = []

    def read() -> str:
        reads.append("read")
        return "unit-test-secret-0123456789"

    deferred = SecretOnFirstUse(read)
    # Then nothing is read until a token is made or checked
    assert reads == []
    token = deferred.encode(POSITION, ALICE)
    # And its tokens are those of a signer built with the secret, in both directions, read once
    assert token == SIGNER.encode(POSITION, ALICE)
    assert deferred.decode(SIGNER.encode(POSITION, ALICE), ALICE) == POSITION
    assert reads == ["read"]


def test_a_short_secret_read_on_first_use_is_refused_when_read() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        SecretOnFirstUse(lambda: "short").encode(POSITION, ALICE)
