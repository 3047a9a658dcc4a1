"""Issue 13, point 4: the largest upload per type agrees with what processing accepts."""

from __future__ import annotations

import pytest

from strata.config import Settings
from strata.documents.extract import extract
from strata.documents.limits import limits_by_type, max_upload_bytes
from strata.documents.text import ExtractionLimits

SETTINGS = Settings(
    table_name="strata-t-main",
    idempotency_table_name="strata-t-idem",
    bucket_name="strata-t-docs",
    max_upload_bytes=25 * 1024 * 1024,
    max_extracted_chars=5_000_000,
)


def test_limits_per_type_with_the_default_settings() -> None:
    limits = limits_by_type(SETTINGS)
    assert limits["application/pdf"] == 25 * 1024 * 1024
    assert limits["image/png"] == 10 * 1024 * 1024
    assert limits["text/plain"] == 5_000_000
    assert limits["text/csv"] == limits["application/json"] == 2_500_000
    assert limits["text/html"] == 10_000_000


@pytest.mark.parametrize(
    ("content_type", "make"),
    [
        ("text/plain", lambda n: b"w" * n),
        ("text/markdown", lambda n: b"# h\n" + b"w" * (n - 4)),
        ("text/csv", lambda n: (b"a" + b"," * n)[:n]),
        ("text/csv", lambda n: (b"a," * n)[:n]),
        ("application/json", lambda n: b"[" + b"1," * ((n - 3) // 2) + b"1]"),
        ("application/json", lambda n: b'{"a":[' + b"{}," * ((n - 11) // 3) + b"{}]}"),
    ],
)
def test_a_text_file_at_its_upload_limit_is_processed_whole(
    content_type: str, make: object
) -> None:
    # Given small settings and a file exactly as large as creation allows for its type
    settings = Settings(
        table_name="strata-t-main",
        idempotency_table_name="strata-t-idem",
        bucket_name="strata-t-docs",
        max_upload_bytes=1_000_000,
        max_extracted_chars=20_000,
    )
    size = max_upload_bytes(content_type, settings)
    data = make(size)  # type: ignore[operator]
    data += b" " * (size - len(data))  # whitespace up to the exact size
    assert len(data) == size
    # When it is extracted, Then the character bound is not what stops it
    extracted = extract(data, content_type, ExtractionLimits.from_settings(settings))
    assert extracted.text
