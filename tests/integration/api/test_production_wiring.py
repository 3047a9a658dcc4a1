"""The production wiring, end to end: settings from STRATA_* variables, boto3 clients built by
``build_services`` (pointed at moto through boto3's own ``AWS_ENDPOINT_URL``), no overrides."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from lambdas.api.handler import handler
from strata.auth.directory import CognitoDirectory
from strata.config import get_settings
from strata.services.factory import build_services
from tests.integration.api.conftest import SharedResources
from tests.support.events import Identity, LambdaContextStub, api_event, parse_response
from tests.support.moto_server import MotoServer


@pytest.fixture
def production_environment(
    moto_server: MotoServer,
    main_table: str,
    shared_resources: SharedResources,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    variables = {
        "AWS_ENDPOINT_URL": moto_server.endpoint,
        "STRATA_TABLE_NAME": main_table,
        "STRATA_BUCKET_NAME": shared_resources.bucket,
        "STRATA_USER_POOL_ID": shared_resources.pool_id,
        "STRATA_TOKEN_SECRET": "production-wiring-test-secret",
        "STRATA_EMBEDDER": "local",
        "STRATA_VECTOR_INDEX": "local",
        "STRATA_RESPONDER": "extractive",
        "STRATA_EMBEDDING_DIMENSION": "256",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    build_services.cache_clear()
    yield
    get_settings.cache_clear()
    build_services.cache_clear()


def call(
    method: str, path: str, identity: Identity | None, body: object = None
) -> tuple[int, dict[str, Any]]:
    response = parse_response(
        handler(api_event(method, path, identity=identity, body=body), LambdaContextStub())
    )
    return response.status, response.json()


@pytest.mark.usefixtures("production_environment")
def test_the_cached_factory_serves_requests(moto_server: MotoServer) -> None:
    # Given an administrator known to Cognito
    cognito = moto_server.client("cognito-idp")
    pool_id = get_settings().user_pool_id
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    admin = Identity(
        sub=CognitoDirectory(cognito, pool_id).create_user(email), email=email, groups=("ADMIN",)
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=admin.sub, Password="Correct-Horse-9!", Permanent=True
    )
    # When requests go through the handler with nothing overridden
    status, me = call("GET", "/me", admin)
    assert (status, me["email"]) == (200, email)
    status, group = call(
        "POST", "/groups", admin, {"groupId": f"g{uuid.uuid4().hex[:6]}", "name": "G"}
    )
    assert status == 201
    status, created = call(
        "POST", "/documents", admin, {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 3}
    )
    # Then the table, Cognito and S3 signing all worked through the production clients
    assert status == 201
    assert created["upload"]["url"].startswith(moto_server.endpoint)
    assert created["upload"]["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=admin.sub)
    assert group["groupId"] in {g["GroupName"] for g in groups["Groups"]}
    status, memory = call("POST", "/memories", admin, {"type": "FACT", "content": "tea"})
    assert status == 201
    # And the memory was indexed by the same local index the search route reads
    status, found = call("POST", "/search", admin, {"query": "tea", "includeMemories": True})
    assert status == 200
    assert [m["memoryId"] for m in found["memories"]] == [memory["memoryId"]]
    # And the container reuses one wiring
    assert build_services(get_settings()) is build_services(get_settings())
