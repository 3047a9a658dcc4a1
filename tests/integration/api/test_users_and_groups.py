"""/me, /users and /groups through the handler: rules, Cognito in step, versions, pages."""

from __future__ import annotations

from tests.integration.api.conftest import Api
from tests.support.events import Identity


def cognito_groups(api: Api, user_id: str) -> set[str]:
    groups = api.cognito.admin_list_groups_for_user(UserPoolId=api.pool_id, Username=user_id)
    return {g["GroupName"] for g in groups["Groups"]}


def test_user_updates_own_profile_with_version_checks(api: Api, alice: Identity) -> None:
    # Given alice's profile at version 1
    me = api.call("GET", "/me", alice).json()
    # When she updates it naming that version
    body = {"firstName": "Alice", "preferences": {"theme": "dark"}}
    updated = api.call("PATCH", "/me", alice, body=body, headers={"If-Match": f'"{me["version"]}"'})
    # Then it changes and the version grows
    assert updated.status == 200
    assert updated.json()["firstName"] == "Alice"
    assert updated.json()["version"] == me["version"] + 1
    # And a write naming the old version is a 409 that tells the current one
    stale = api.call("PATCH", "/me", alice, body=body, headers={"If-Match": str(me["version"])})
    assert stale.status == 409
    assert stale.json()["error"]["type"] == "Conflict"


def test_user_cannot_change_their_role(api: Api, alice: Identity) -> None:
    response = api.call("PATCH", f"/users/{alice.sub}", alice, body={"role": "admin"})
    assert response.status == 403
    assert response.json()["error"]["details"] == {"fields": ["role"]}
    assert api.call("PATCH", "/me", alice, body={"role": "admin"}).status == 422


def test_admin_creates_a_user_in_cognito_and_the_table(api: Api, admin: Identity) -> None:
    # Given a group
    api.call("POST", "/groups", admin, body={"groupId": "DEVELOPERS", "name": "Developers"})
    # When an admin invites a user into it
    response = api.call(
        "POST",
        "/users",
        admin,
        body={"email": "New.Person@Example.com", "firstName": "New", "groups": ["DEVELOPERS"]},
    )
    # Then the profile exists under the Cognito sub, with the membership in both places
    assert response.status == 201
    user = response.json()
    assert user["email"] == "new.person@example.com"
    assert cognito_groups(api, user["userId"]) == {"DEVELOPERS"}
    members = api.call("GET", "/groups/DEVELOPERS/members", admin).json()["items"]
    assert user["userId"] in {m["userId"] for m in members}
    # And the same e-mail again is a conflict
    again = api.call("POST", "/users", admin, body={"email": "new.person@example.com"})
    assert again.status == 409


def test_user_admin_routes(api: Api, admin: Identity, alice: Identity, bob: Identity) -> None:
    assert api.call("GET", "/users", alice).status == 403
    assert api.call("GET", f"/users/{bob.sub}", alice).status == 403
    assert api.call("GET", f"/users/{alice.sub}", alice).status == 200
    assert api.call("GET", f"/users/{alice.sub}", admin).status == 200
    promoted = api.call("PATCH", f"/users/{bob.sub}", admin, body={"role": "admin"})
    assert promoted.json()["role"] == "admin"
    assert cognito_groups(api, bob.sub) == {"ADMIN"}
    assert api.call("DELETE", f"/users/{bob.sub}", alice).status == 403
    assert api.call("DELETE", f"/users/{bob.sub}", admin).status == 204
    assert api.call("GET", f"/users/{bob.sub}", admin).status == 404
    assert api.call("DELETE", f"/users/{bob.sub}", admin).status == 404


def test_users_list_pages_across_shards(api: Api, admin: Identity) -> None:
    for _ in range(4):
        api.user()
    first = api.call("GET", "/users", admin, query={"limit": 3}).json()
    second = api.call("GET", "/users", admin, query={"limit": 3, "nextToken": first["nextToken"]})
    ids = [u["userId"] for u in first["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert second.json()["nextToken"] is None
    tampered = api.call("GET", "/users", admin, query={"nextToken": first["nextToken"] + "x"})
    assert tampered.status == 400
    assert api.call("GET", "/users", admin, query={"limit": 101}).status == 422


def test_groups_are_read_by_all_and_managed_by_admins(
    api: Api, admin: Identity, alice: Identity
) -> None:
    # Only admins create groups; the Cognito group of the same name appears
    body = {"groupId": "readers", "name": "Readers", "description": "people who read"}
    assert api.call("POST", "/groups", alice, body=body).status == 403
    created = api.call("POST", "/groups", admin, body=body)
    assert created.status == 201
    assert api.cognito.get_group(GroupName="readers", UserPoolId=api.pool_id)["Group"]
    assert api.call("POST", "/groups", admin, body=body).status == 409
    # Anyone signed in reads them
    assert api.call("GET", "/groups/readers", alice).json()["name"] == "Readers"
    assert [g["groupId"] for g in api.call("GET", "/groups", alice).json()["items"]] == ["readers"]
    assert api.call("GET", "/groups/nope", alice).status == 404
    # Members: added by admins, in Cognito too; listed for members and admins only
    assert api.call("PUT", f"/groups/readers/members/{alice.sub}", alice, body={}).status == 403
    added = api.call("PUT", f"/groups/readers/members/{alice.sub}", admin, body={})
    assert added.status == 200
    assert added.json()["role"] == "member"
    again = api.call("PUT", f"/groups/readers/members/{alice.sub}", admin, body={"role": "admin"})
    assert again.json()["role"] == "admin"
    assert cognito_groups(api, alice.sub) == {"readers"}
    assert api.call("GET", "/groups/readers/members", alice).status == 403
    member = Identity(sub=alice.sub, email=alice.email, groups=("readers",))
    assert api.call("GET", "/groups/readers/members", member).status == 200
    assert api.call("PUT", "/groups/readers/members/nobody", admin, body={}).status == 404
    # Update with a stale version is a conflict (membership changes counted: version moved on)
    version = api.call("GET", "/groups/readers", alice).json()["version"]
    assert version > created.json()["version"]
    patch = {"description": "new"}
    if_match = {"If-Match": str(version)}
    ok = api.call("PATCH", "/groups/readers", admin, body=patch, headers=if_match)
    assert ok.status == 200
    stale = api.call("PATCH", "/groups/readers", admin, body=patch, headers=if_match)
    assert stale.status == 409
    # Removal and deletion keep Cognito in step
    assert api.call("DELETE", f"/groups/readers/members/{alice.sub}", admin).status == 204
    assert cognito_groups(api, alice.sub) == set()
    assert api.call("DELETE", f"/groups/readers/members/{alice.sub}", admin).status == 404
    assert api.call("DELETE", "/groups/readers", admin).status == 204
    assert api.call("GET", "/groups/readers", alice).status == 404


def test_deleting_a_user_erases_their_data_files_vectors_and_account(
    api: Api, admin: Identity, alice: Identity
) -> None:
    # Given alice with a session, a document uploaded with its vectors, a memory and a group
    api.call("POST", "/groups", admin, body={"groupId": "club", "name": "Club"})
    api.call("PUT", f"/groups/club/members/{alice.sub}", admin, body={})
    session_id = api.call("POST", "/sessions", alice, body={"title": "t"}).json()["sessionId"]
    api.call("POST", f"/sessions/{session_id}/messages", alice, body={"content": "hi"})
    document = {"fileName": "a.txt", "fileType": "text/plain", "fileSize": 3}
    created = api.call("POST", "/documents", alice, body=document).json()["document"]
    api.s3.put_object(Bucket=api.settings.bucket_name, Key=created["s3Key"], Body=b"abc")
    api.call("POST", "/memories", alice, body={"type": "FACT", "content": "likes tea"})
    assert api.index.memory_count(alice.sub) == 1
    # When an admin deletes her
    assert api.call("DELETE", f"/users/{alice.sub}", admin).status == 204
    # Then nothing of hers is left: items, memberships, files, vectors, Cognito account
    assert api.repositories.user_data.export(alice.sub).total == 0
    assert api.call("GET", "/groups/club", admin).json()["stats"]["memberCount"] == 1
    objects = api.s3.list_object_versions(
        Bucket=api.settings.bucket_name, Prefix=f"documents/{alice.sub}/"
    )
    assert objects.get("Versions", []) == []
    assert api.index.memory_count(alice.sub) == 0
    users = api.cognito.list_users(UserPoolId=api.pool_id, Filter=f'sub = "{alice.sub}"')
    assert users["Users"] == []
    # And deleting again is a 404
    assert api.call("DELETE", f"/users/{alice.sub}", admin).status == 404


def test_a_user_exports_their_own_data_and_nobody_elses(
    api: Api, alice: Identity, admin: Identity
) -> None:
    # Given alice with a chat and admin with their own profile
    api.call("GET", "/me", admin)
    session = api.call("POST", "/sessions", alice, body={"title": "notes"}).json()
    api.call("POST", f"/sessions/{session['sessionId']}/messages", alice, body={"content": "hi"})
    # When alice asks for her export
    exported = api.call("GET", "/me/export", alice)
    # Then it holds her profile, session and message, without keys, and nothing of admin's
    assert exported.status == 200
    body = exported.json()
    assert body["userId"] == alice.sub
    assert {"USER", "CHAT_SESSION", "CHAT_MESSAGE"} <= set(body["items"])
    assert body["total"] == sum(len(group) for group in body["items"].values())
    assert "PK" not in body["items"]["USER"][0]
    assert admin.sub not in str(body)
