"""The one S3 client Strata builds: SigV4, regional virtual-hosted URLs.

Presigned POST and GET URLs name the host the browser talks to. botocore's default for a
presigned URL is the global ``<bucket>.s3.amazonaws.com``: for a bucket younger than a day it
answers with a 307 redirect (a browser's CORS upload does not follow it), and in opt-in regions
the signature does not match. The client therefore uses virtual-hosted addressing with the
regional endpoint (``<bucket>.s3.<region>.amazonaws.com``, us-east-1 included).

Against an emulator (boto3 configured with an endpoint URL, as the local stack and the tests are)
the bucket cannot be a subdomain, so the client falls back to path-style addressing there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from strata.budget import budgeted

AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


def is_aws_endpoint(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host.endswith(AWS_HOST_SUFFIXES)


def build_s3_client(
    region: str,
    *,
    max_attempts: int = 3,
    connect_timeout: float = 2,
    read_timeout: float = 30,
) -> Any:
    """An S3 client for ``region`` whose presigned URLs are regional and virtual-hosted."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    def client(addressing_style: str) -> Any:
        config = Config(
            region_name=region,
            signature_version="s3v4",
            s3={"addressing_style": addressing_style, "us_east_1_regional_endpoint": "regional"},
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        return budgeted(boto3.client("s3", region_name=region, config=config))

    s3 = client("virtual")
    if is_aws_endpoint(str(s3.meta.endpoint_url)):
        return s3
    return client("path")
