"""Builds the production OpenSearch index and client over the emulated collection."""

from __future__ import annotations

from botocore.credentials import Credentials

from strata.search.opensearch import OpenSearchVectorIndex, build_opensearch_client
from tests.unit.search.builders import DIMENSION
from tests.unit.search.opensearch_emulator import EmulatedCollection, emulated_connection_class

ENDPOINT = "https://abc123xyz.eu-west-1.aoss.amazonaws.com"
REGION = "eu-west-1"


def emulated_index(
    collection: EmulatedCollection, *, max_bulk_bytes: int | None = None
) -> OpenSearchVectorIndex:
    def connect() -> object:
        return build_opensearch_client(
            ENDPOINT,
            REGION,
            credentials=Credentials("AKIDEXAMPLE", "secret-example"),
            connection_class=emulated_connection_class(collection),
        )

    if max_bulk_bytes is None:
        return OpenSearchVectorIndex(connect, dimension=DIMENSION)
    return OpenSearchVectorIndex(connect, dimension=DIMENSION, max_bulk_bytes=max_bulk_bytes)
