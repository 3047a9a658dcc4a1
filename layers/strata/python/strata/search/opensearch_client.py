"""The opensearch-py client of a serverless collection, and its errors as Strata's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from strata.errors import Throttled, Unavailable


@contextmanager
def translated_errors(operation: str) -> Iterator[None]:
    """Turns opensearch-py's transport errors into Strata's typed errors."""
    from opensearchpy.exceptions import TransportError  # noqa: PLC0415

    try:
        yield
    except TransportError as exc:
        status = exc.status_code
        details = {"operation": operation, "status": status, "error": str(exc.error)}
        if status == 429:
            raise Throttled("the vector index is throttling requests", details=details) from exc
        raise Unavailable("the vector index could not serve the request", details=details) from exc


def build_opensearch_client(
    endpoint: str,
    region: str,
    *,
    credentials: Any = None,
    connection_class: Any = None,
    pool_maxsize: int = 10,
    timeout: int = 30,
) -> Any:
    """An opensearch-py client for a serverless collection endpoint, signing with SigV4 for the
    ``aoss`` service. Credentials default to the Lambda role's (boto3's default chain)."""
    from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth  # noqa: PLC0415
    from opensearchpy.connection import Urllib3HttpConnection  # noqa: PLC0415

    parsed = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
    if not parsed.hostname:
        raise ValueError(f"not a collection endpoint: {endpoint!r}")
    if credentials is None:
        import boto3  # noqa: PLC0415

        credentials = boto3.Session().get_credentials()
    secure = parsed.scheme != "http"  # plain http only for a loopback test endpoint
    return OpenSearch(
        hosts=[{"host": parsed.hostname, "port": parsed.port or (443 if secure else 80)}],
        http_auth=Urllib3AWSV4SignerAuth(credentials, region, "aoss"),
        use_ssl=secure,
        verify_certs=secure,
        connection_class=connection_class or Urllib3HttpConnection,
        pool_maxsize=pool_maxsize,
        timeout=timeout,
        # No transport retries: a retried bulk write that had landed would duplicate every
        # vector. OpenSearchVectorIndex retries the idempotent requests itself.
        max_retries=0,
        retry_on_timeout=False,
    )
