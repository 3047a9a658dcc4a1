"""/applications: visible through the caller's groups, managed by admins."""

from __future__ import annotations

from tests.integration.api.conftest import Api
from tests.support.events import Identity

REST_APP = {
    "name": "Weather",
    "type": "REST",
    "config": {"endpoint": "https://weather.example.com/v1", "method": "GET"},
}


def test_applications_are_visible_through_groups(
    api: Api, admin: Identity, alice: Identity
) -> None:
    # Given an app granted to the DEVELOPERS group only
    api.call("POST", "/groups", admin, body={"groupId": "DEVELOPERS", "name": "Developers"})
    assert api.call("POST", "/applications", alice, body=REST_APP).status == 403
    created = api.call("POST", "/applications", admin, body=REST_APP)
    assert created.status == 201
    app_id = created.json()["appId"]
    grant = api.call("PUT", f"/applications/{app_id}/grants/DEVELOPERS", admin)
    assert grant.status == 200
    assert grant.json()["appName"] == "Weather"
    # Then a GENERAL user neither lists nor reads it, a developer does, an admin always does
    developer = Identity(sub=alice.sub, email=alice.email, groups=("DEVELOPERS",))
    assert api.call("GET", "/applications", alice).json() == {"items": [], "nextToken": None}
    assert api.call("GET", f"/applications/{app_id}", alice).status == 404
    listed = api.call("GET", "/applications", developer).json()["items"]
    assert [a["appId"] for a in listed] == [app_id]
    assert api.call("GET", f"/applications/{app_id}", developer).status == 200
    assert api.call("GET", f"/applications/{app_id}", admin).json()["name"] == "Weather"
    # And granting to a missing group is a 404
    assert api.call("PUT", f"/applications/{app_id}/grants/NOPE", admin).status == 404
    # Revoking hides it again
    assert api.call("DELETE", f"/applications/{app_id}/grants/DEVELOPERS", developer).status == 403
    assert api.call("DELETE", f"/applications/{app_id}/grants/DEVELOPERS", admin).status == 204
    assert api.call("GET", f"/applications/{app_id}", developer).status == 404


def test_application_validation_update_and_delete(api: Api, admin: Identity) -> None:
    bad = api.call("POST", "/applications", admin, body={**REST_APP, "type": "MCP"})
    assert bad.status == 422
    app = api.call("POST", "/applications", admin, body=REST_APP).json()
    path = f"/applications/{app['appId']}"
    renamed = api.call("PATCH", path, admin, body={"name": "Weather 2"}, headers={"If-Match": "1"})
    assert renamed.json()["name"] == "Weather 2"
    stale = api.call("PATCH", path, admin, body={"name": "Weather 3"}, headers={"If-Match": "1"})
    assert stale.status == 409
    assert stale.json()["error"]["details"]["currentVersion"] == 2
    assert api.call("DELETE", path, admin).status == 204
    assert api.call("GET", path, admin).status == 404


def test_visible_applications_page(api: Api, admin: Identity) -> None:
    api.call("POST", "/groups", admin, body={"groupId": "GENERAL", "name": "General"})
    for n in range(3):
        app = api.call("POST", "/applications", admin, body={**REST_APP, "name": f"App {n}"}).json()
        api.call("PUT", f"/applications/{app['appId']}/grants/GENERAL", admin)
    user = api.user("GENERAL")
    first = api.call("GET", "/applications", user, query={"limit": 2}).json()
    second = api.call(
        "GET", "/applications", user, query={"limit": 2, "nextToken": first["nextToken"]}
    ).json()
    assert [a["name"] for a in first["items"] + second["items"]] == ["App 0", "App 1", "App 2"]
    assert second["nextToken"] is None
    bad = api.call("GET", "/applications", user, query={"nextToken": "garbage"})
    assert bad.status == 400
