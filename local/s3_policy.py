"""Browser-style S3 POST uploads checked against their signed policy, as S3 checks them.

moto accepts any POST form (measured with moto 5.2.5): another key, a larger body, another
type, an expired or forged policy all get a 204. :class:`PostPolicyGuard` sits in front of
moto's WSGI app and refuses such a POST with S3's own error before it reaches moto, so nothing
is stored.

Checked, as S3 does: the Signature V4 of the policy (with the emulator's dummy secret), the
policy's ``expiration``, every condition (exact match, ``eq``, ``starts-with``,
``content-length-range`` against the file's size), and that every form field is covered by a
condition (except ``policy``, ``x-amz-signature``, ``file`` and ``x-ignore-*``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

log = logging.getLogger("local.s3")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_UNCHECKED_FIELDS = frozenset({"policy", "x-amz-signature", "file"})


class PolicyRefusal(Exception):
    """Why S3 refuses the POST: its HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PostForm:
    bucket: str
    fields: Mapping[str, str]  # lower-cased names
    file_size: int


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_policy(policy_b64: str, secret: str, date: str, region: str) -> str:
    key = signing_key(secret, date, region)
    return hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()


def check_post(form: PostForm, credentials: Mapping[str, str], now: float) -> None:
    """Raise :class:`PolicyRefusal` unless S3 would accept this POST.

    ``credentials`` maps access key ids to their secret keys.
    """
    fields = form.fields
    policy_b64 = fields.get("policy", "")
    if not policy_b64:
        raise PolicyRefusal(403, "AccessDenied", "Bucket POST must contain a field named 'policy'")
    _check_signature(fields, policy_b64, credentials)
    policy = _decode_policy(policy_b64)
    _check_expiration(policy, now)
    conditions = policy.get("conditions")
    if not isinstance(conditions, list):
        raise PolicyRefusal(400, "InvalidPolicyDocument", "the policy has no conditions")
    covered = {"bucket"}
    for condition in conditions:
        covered.add(_check_condition(condition, form))
    extra = sorted(
        name
        for name in fields
        if name not in covered
        and name not in _UNCHECKED_FIELDS
        and not name.startswith("x-ignore-")
    )
    if extra:
        raise PolicyRefusal(
            403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
        )


def _check_signature(
    fields: Mapping[str, str], policy_b64: str, credentials: Mapping[str, str]
) -> None:
    if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        raise PolicyRefusal(400, "InvalidArgument", "only AWS4-HMAC-SHA256 POST policies are kept")
    parts = fields.get("x-amz-credential", "").split("/")
    if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
        raise PolicyRefusal(400, "InvalidArgument", "malformed x-amz-credential")
    access_key, date, region = parts[0], parts[1], parts[2]
    secret = credentials.get(access_key)
    if secret is None:
        raise PolicyRefusal(
            403,
            "InvalidAccessKeyId",
            "The AWS access key Id you provided does not exist in our records.",
        )
    expected = sign_policy(policy_b64, secret, date, region)
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise PolicyRefusal(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )


def _decode_policy(policy_b64: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise PolicyRefusal(400, "InvalidPolicyDocument", "the policy is not base64 JSON") from exc
    if not isinstance(policy, dict):
        raise PolicyRefusal(400, "InvalidPolicyDocument", "the policy is not a JSON object")
    return policy


def _check_expiration(policy: Mapping[str, Any], now: float) -> None:
    raw = str(policy.get("expiration") or "")
    try:
        expires = datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise PolicyRefusal(
            400, "InvalidPolicyDocument", "the policy has no valid expiration"
        ) from exc
    if now > expires:
        raise PolicyRefusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")


def _value_of(name: str, form: PostForm) -> str:
    return form.bucket if name == "bucket" else form.fields.get(name, "")


def _failed(condition: Any) -> PolicyRefusal:
    return PolicyRefusal(
        403,
        "AccessDenied",
        f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}",
    )


def _check_condition(condition: Any, form: PostForm) -> str:
    """Check one condition; returns the (lower-cased) field name it covers."""
    if isinstance(condition, dict) and len(condition) == 1:
        name, wanted = next(iter(condition.items()))
        name = str(name).lower()
        if _value_of(name, form) != str(wanted):
            raise _failed(condition)
        return name
    if isinstance(condition, list) and len(condition) == 3:
        operator = str(condition[0]).lower()
        if operator == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if form.file_size > high:
                raise PolicyRefusal(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if form.file_size < low:
                raise PolicyRefusal(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                )
            return "content-length-range"
        name = str(condition[1]).lstrip("$").lower()
        value, wanted = _value_of(name, form), str(condition[2])
        if operator == "eq" and value == wanted:
            return name
        if operator == "starts-with" and value.startswith(wanted):
            return name
        raise _failed(condition)
    raise PolicyRefusal(400, "InvalidPolicyDocument", f"unknown condition {json.dumps(condition)}")


class PostPolicyGuard:
    """WSGI middleware: POST form uploads to a bucket are checked before moto sees them."""

    def __init__(
        self,
        app: WsgiApp,
        credentials: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._credentials = dict(credentials)
        self._clock = clock

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        bucket = _form_upload_bucket(environ)
        if bucket is None:
            return self._app(environ, start_response)
        body = _read_body(environ)
        try:
            check_post(_parse(environ, body, bucket), self._credentials, self._clock())
        except PolicyRefusal as refusal:
            log.warning("s3: POST to %s refused: %s %s", bucket, refusal.code, refusal.message)
            return _error(refusal, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self._app(environ, start_response)


def _form_upload_bucket(environ: Mapping[str, Any]) -> str | None:
    """The bucket of a path-style POST form upload (``POST /<bucket>``), else ``None``."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    if not str(environ.get("CONTENT_TYPE", "")).startswith("multipart/form-data"):
        return None
    path = str(environ.get("PATH_INFO") or "").strip("/")
    if not path or "/" in path or environ.get("QUERY_STRING"):
        return None
    return path


def _read_body(environ: Mapping[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    return bytes(stream.read(length)) if length > 0 else bytes(stream.read())


def _parse(environ: Mapping[str, Any], body: bytes, bucket: str) -> PostForm:
    copy = dict(environ)
    copy["wsgi.input"] = io.BytesIO(body)
    copy["CONTENT_LENGTH"] = str(len(body))
    _, form, files = parse_form_data(copy)
    fields = {str(name).lower(): str(value) for name, value in form.items()}
    upload = files.get("file")
    if upload is None:
        raise PolicyRefusal(400, "InvalidArgument", "Bucket POST must contain a file field")
    size = len(upload.stream.read())
    return PostForm(bucket=bucket, fields=fields, file_size=size)


def _error(refusal: PolicyRefusal, start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(refusal.code)}</Code><Message>{escape(refusal.message)}</Message>"
        "<RequestId>strata-local</RequestId></Error>"
    ).encode()
    start_response(
        f"{refusal.status} {'Forbidden' if refusal.status == 403 else 'Bad Request'}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]
