"""The production wiring builds the clients a request may not need on their first use
(strata.lazy.OnFirstUse): the first request of a container builds the table's client, and S3,
Cognito and Bedrock wait for the first call that uses them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from strata.lazy import OnFirstUse
from strata.services.factory import Services, build_services
from tests.support.settings import make_settings


class Target:
    def __init__(self) -> None:
        self.calls = 0

    def ping(self) -> str:
        self.calls += 1
        return "pong"


def test_built_by_the_first_attribute_read_once_and_then_delegated() -> None:
    # Given a stand-in whose builder counts its calls
    builds: list[Target] = []

    def build() -> Target:
        builds.append(Target())
        return builds[-1]

    proxy: Any = OnFirstUse(build)
    # Then nothing is built until an attribute is read
    assert builds == []
    assert not proxy.is_built
    # When a method is called twice
    assert proxy.ping() == "pong"
    assert proxy.ping() == "pong"
    # Then it was built once and both calls reached it
    assert len(builds) == 1
    assert builds[0].calls == 2
    assert proxy.target is builds[0]


def test_threads_racing_for_it_build_it_once() -> None:
    # Given a slow builder and eight threads reading at once
    started = threading.Event()
    builds: list[Target] = []

    def build() -> Target:
        started.wait(1)
        builds.append(Target())
        return builds[-1]

    proxy: Any = OnFirstUse(build)
    seen: list[Any] = []
    threads = [threading.Thread(target=lambda: seen.append(proxy.target)) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()
    # Then one object was built and every thread got it
    assert len(builds) == 1
    assert all(target is builds[0] for target in seen)


@pytest.fixture
def built_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The service name of every boto3 client built from now on (the clients are real: building
    one makes no request)."""
    names: list[str] = []
    real = boto3.client

    def recording(service_name: str, *args: Any, **kwargs: Any) -> Any:
        names.append(service_name)
        return real(service_name, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", recording)
    build_services.cache_clear()
    yield names
    build_services.cache_clear()


def production_services() -> Services:
    settings = make_settings(
        token_secret="clients-test-secret",
        user_pool_id="us-east-1_test",
        collection_endpoint="https://test.us-east-1.aoss.amazonaws.com",
    )
    assert (settings.embedder, settings.vector_index, settings.responder) == (
        "bedrock",
        "opensearch",
        "bedrock",
    )
    return build_services(settings)


def test_the_wiring_builds_the_table_client_alone(built_clients: list[str]) -> None:
    # Given the production wiring of a deployment (Bedrock, OpenSearch)
    # When the services are built (a container's first request)
    services = production_services()
    # Then only DynamoDB's client is built
    assert built_clients == ["dynamodb"]
    # And S3's and Cognito's are built by their first use
    uploads: Any = services.documents._uploads
    assert uploads._s3.meta.service_model.service_name == "s3"
    assert "s3" in built_clients
    directory: Any = services.users._directory
    assert directory._client.meta.service_model.service_name == "cognito-idp"
    assert built_clients.count("cognito-idp") == 1
    assert "bedrock-runtime" not in built_clients
