"""S3's POST policy rules, as the local S3 applies them before a POST reaches moto."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local.s3_policy import PolicyRefusal, PostForm, check_post, sign_policy

SECRET = "local-secret"
CREDENTIALS = {"AKLOCAL": SECRET}
NOW = 1_800_000_000.0
DATE = "20270115"


def _form(
    conditions: list[Any],
    fields: dict[str, str],
    *,
    size: int = 10,
    expiration: str = "2027-01-15T08:00:00Z",
    secret: str = SECRET,
) -> PostForm:
    credential = f"AKLOCAL/{DATE}/us-east-1/s3/aws4_request"
    signed_fields = {
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": credential,
        "x-amz-date": f"{DATE}T000000Z",
    }
    every_condition = [{name: value} for name, value in signed_fields.items()] + conditions
    policy = base64.b64encode(
        json.dumps({"expiration": expiration, "conditions": every_condition}).encode()
    ).decode()
    signed = {
        **signed_fields,
        "policy": policy,
        "x-amz-signature": sign_policy(policy, secret, DATE, "us-east-1"),
    }
    return PostForm(bucket="docs", fields={**fields, **signed}, file_size=size)


def _refusal(form: PostForm) -> PolicyRefusal:
    with pytest.raises(PolicyRefusal) as caught:
        check_post(form, CREDENTIALS, NOW)
    return caught.value


def test_a_post_matching_every_condition_passes() -> None:
    form = _form(
        [
            {"bucket": "docs"},
            ["starts-with", "$key", "documents/u1/"],
            ["eq", "$Content-Type", "text/plain"],
            ["content-length-range", 1, 10],
        ],
        {"key": "documents/u1/d1/original", "content-type": "text/plain"},
    )
    check_post(form, CREDENTIALS, NOW)


@pytest.mark.parametrize(
    ("fields", "size", "code"),
    [
        ({"key": "elsewhere/x", "content-type": "text/plain"}, 5, "AccessDenied"),
        ({"key": "documents/u1/x", "content-type": "text/html"}, 5, "AccessDenied"),
        ({"key": "documents/u1/x", "content-type": "text/plain"}, 0, "EntityTooSmall"),
        ({"key": "documents/u1/x", "content-type": "text/plain"}, 11, "EntityTooLarge"),
        (
            {"key": "documents/u1/x", "content-type": "text/plain", "acl": "public-read"},
            5,
            "AccessDenied",
        ),
    ],
)
def test_a_post_breaking_a_condition_is_refused(
    fields: dict[str, str], size: int, code: str
) -> None:
    conditions = [
        ["starts-with", "$key", "documents/u1/"],
        {"Content-Type": "text/plain"},
        ["content-length-range", 1, 10],
    ]
    assert _refusal(_form(conditions, fields, size=size)).code == code


def test_x_ignore_fields_need_no_condition() -> None:
    form = _form([{"key": "k"}], {"key": "k", "x-ignore-tracking": "1"})
    check_post(form, CREDENTIALS, NOW)


def test_an_expired_policy_is_refused() -> None:
    form = _form([{"key": "k"}], {"key": "k"}, expiration="2020-01-01T00:00:00Z")
    refusal = _refusal(form)
    assert (refusal.status, refusal.message) == (
        403,
        "Invalid according to Policy: Policy expired.",
    )


def test_a_policy_signed_with_another_secret_is_refused() -> None:
    form = _form([{"key": "k"}], {"key": "k"}, secret="guessed")
    assert _refusal(form).code == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_refused() -> None:
    form = _form([{"key": "k"}], {"key": "k"})
    fields = dict(form.fields)
    fields["x-amz-credential"] = fields["x-amz-credential"].replace("AKLOCAL", "AKOTHER")
    assert _refusal(PostForm("docs", fields, 1)).code == "InvalidAccessKeyId"


def test_a_post_without_a_policy_is_refused() -> None:
    assert _refusal(PostForm("docs", {"key": "k"}, 1)).code == "AccessDenied"


def test_a_policy_that_is_not_base64_json_is_refused() -> None:
    policy = "not-base64!"
    fields = {
        "key": "k",
        "policy": policy,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": f"AKLOCAL/{DATE}/us-east-1/s3/aws4_request",
        "x-amz-signature": sign_policy(policy, SECRET, DATE, "us-east-1"),
    }
    assert _refusal(PostForm("docs", fields, 1)).code == "InvalidPolicyDocument"
