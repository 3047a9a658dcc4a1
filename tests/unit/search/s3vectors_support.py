"""Builds the production S3 Vectors index and boto3 client over the emulated vector bucket."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from strata.budget import budgeted
from strata.search.s3vectors import S3VectorsIndex
from tests.unit.search.builders import DIMENSION
from tests.unit.search.s3vectors_emulator import EmulatedVectorBucket

REGION = "eu-west-1"


def emulated_client(bucket: EmulatedVectorBucket) -> Any:
    """The client :func:`strata.search.s3vectors.build_s3vectors_client` builds, with test
    credentials, answered by ``bucket``."""
    client = boto3.client(
        "s3vectors",
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret-example",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=30),
    )
    return bucket.attach(budgeted(client))


def emulated_s3vectors_index(bucket: EmulatedVectorBucket, **options: Any) -> S3VectorsIndex:
    options.setdefault("sleep", lambda _seconds: None)
    options.setdefault("dimension", DIMENSION)
    return S3VectorsIndex(lambda: emulated_client(bucket), bucket_name=bucket.name, **options)
