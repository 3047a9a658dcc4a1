"""Pagination tokens at their edges: the secret's minimum, and tokens no client should send."""

from __future__ import annotations

import pytest

from strata.errors import ValidationError
from strata.store.tokens import MAX_TOKEN_CHARS, TokenSigner, binding_for

BINDING = binding_for("t", None, ["USER#alice"], forward=True)


@pytest.mark.parametrize(
    "secret", ["x" * 16, b"\x00" * 16, "\u00e9" * 8], ids=["str", "bytes", "utf8"]
)
def test_a_secret_of_16_bytes_is_enough(secret: str | bytes) -> None:
    signer = TokenSigner(secret)
    assert signer.decode(signer.encode({"a": 1}, BINDING), BINDING) == {"a": 1}


@pytest.mark.parametrize(
    "secret", ["x" * 15, b"\x00" * 15, "\u00e9" * 7 + "x"], ids=["str", "bytes", "utf8"]
)
def test_a_secret_under_16_bytes_is_refused(secret: str | bytes) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        TokenSigner(secret)


SIGNER = TokenSigner("unit-test-secret-0123456789")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "\u00e9",
        "\u00e9.\u00e9",
        "abc.d\u00e9f",
        "no-dot",
        "a.b.c",
        "a" * MAX_TOKEN_CHARS + ".b",
        "!!.??",
        "e30.",  # a valid payload ({}) with no signature
    ],
    ids=[
        "empty",
        "non-ascii",
        "non-ascii-both",
        "non-ascii-signature",
        "no-dot",
        "two-dots",
        "too-long",
        "not-base64",
        "unsigned",
    ],
)
def test_a_malformed_token_is_a_validation_error(token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SIGNER.decode(token, BINDING)
    assert caught.value.details["fields"][0]["field"] == "nextToken"


def test_a_token_just_under_the_length_limit_is_read() -> None:
    # Given a genuine token padded to the limit would not be: the limit counts the whole token
    token = SIGNER.encode({"k": "v" * 100}, BINDING)
    assert len(token) <= MAX_TOKEN_CHARS
    assert SIGNER.decode(token, BINDING) == {"k": "v" * 100}


def test_a_signed_payload_that_is_not_json_is_refused() -> None:
    # Given a payload signed with the right key that is not JSON (a bug or a leaked key)
    import base64  # noqa: PLC0415

    payload = b"not json"
    signature = SIGNER._sign(payload, BINDING)
    token = (
        base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    )
    with pytest.raises(ValidationError):
        SIGNER.decode(token, BINDING)
