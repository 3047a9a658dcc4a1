"""Groups with members and roles; applications, grants, visibility and usage counters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from strata.errors import Conflict, NotFound, ValidationError
from strata.models import (
    ApplicationCreate,
    ApplicationStatus,
    ApplicationUpdate,
    GroupCreate,
    GroupRole,
    GroupUpdate,
    UsageIncrement,
)
from strata.store.factory import Repositories


def rest_app(name: str) -> ApplicationCreate:
    return ApplicationCreate.model_validate(
        {"name": name, "type": "REST", "config": {"endpoint": f"https://{name.lower()}.io"}}
    )


def test_a_group_starts_with_its_owner(repos: Repositories) -> None:
    group = repos.groups.create(GroupCreate(name="Engineers", group_id="ENG"), owner_id="u1")
    assert (group.owner_id, group.stats.member_count, group.version) == ("u1", 1, 1)
    assert repos.groups.get_member("ENG", "u1").role is GroupRole.OWNER
    with pytest.raises(Conflict):
        repos.groups.create(GroupCreate(name="Again", group_id="ENG"), owner_id="u2")
    generated = repos.groups.create(GroupCreate(name="Other"), owner_id="u1")
    assert len(generated.group_id) == 26


def test_members_are_counted_in_the_same_transaction(repos: Repositories) -> None:
    # Given a group and five users joining at once
    repos.groups.create(GroupCreate(name="G", group_id="G1"), owner_id="owner")
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda n: repos.groups.add_member("G1", f"user-{n}"), range(5)))

    # Then the count is exact, a second add is refused, and removal uncounts
    assert repos.groups.get("G1").stats.member_count == 6
    with pytest.raises(Conflict, match="already a member"):
        repos.groups.add_member("G1", "user-0")
    repos.groups.remove_member("G1", "user-0")
    assert repos.groups.get("G1").stats.member_count == 5
    with pytest.raises(NotFound):
        repos.groups.remove_member("G1", "user-0")
    with pytest.raises(NotFound):
        repos.groups.add_member("nope", "user-0")


def test_roles_and_the_owner_rules(repos: Repositories) -> None:
    repos.groups.create(GroupCreate(name="G", group_id="G1"), owner_id="owner")
    repos.groups.add_member("G1", "u1", GroupRole.ADMIN)
    assert repos.groups.set_member_role("G1", "u1", GroupRole.MEMBER).role is GroupRole.MEMBER
    with pytest.raises(Conflict):
        repos.groups.remove_member("G1", "owner")
    with pytest.raises(Conflict):
        repos.groups.set_member_role("G1", "owner", GroupRole.MEMBER)
    with pytest.raises(ValidationError):
        repos.groups.add_member("G1", "u2", GroupRole.OWNER)


def test_ownership_transfer_is_one_transaction(repos: Repositories) -> None:
    repos.groups.create(GroupCreate(name="G", group_id="G1"), owner_id="old")
    repos.groups.add_member("G1", "new")

    # A non-member cannot receive it, a non-owner cannot give it
    with pytest.raises(NotFound):
        repos.groups.transfer_ownership("G1", from_user="old", to_user="stranger")
    with pytest.raises(Conflict):
        repos.groups.transfer_ownership("G1", from_user="new", to_user="old")
    assert repos.groups.get("G1").owner_id == "old"

    # The owner hands it over: group, old and new membership change together
    group = repos.groups.transfer_ownership("G1", from_user="old", to_user="new")
    assert group.owner_id == "new"
    assert repos.groups.get_member("G1", "new").role is GroupRole.OWNER
    assert repos.groups.get_member("G1", "old").role is GroupRole.ADMIN


def test_member_lists_both_ways(repos: Repositories) -> None:
    for group_id in ("A", "B", "C"):
        repos.groups.create(GroupCreate(name=f"Group {group_id}", group_id=group_id), owner_id="o")
        repos.groups.add_member(group_id, "u1")
    members = repos.groups.members("A")
    assert [(m.user_id, m.role) for m in members.items] == [
        ("o", GroupRole.OWNER),
        ("u1", GroupRole.MEMBER),
    ]
    first = repos.groups.groups_of_user("u1", limit=2)
    rest = repos.groups.groups_of_user("u1", limit=2, next_token=first.next_token)
    names = [m.group_name for m in first.items + rest.items]
    assert names == ["Group A", "Group B", "Group C"]
    assert rest.next_token is None


def test_group_update_list_and_delete(repos: Repositories) -> None:
    group = repos.groups.create(GroupCreate(name="Zeta", group_id="Z"), owner_id="o")
    repos.groups.create(GroupCreate(name="Alpha", group_id="A"), owner_id="o")
    renamed = repos.groups.update("Z", GroupUpdate(name="Beta"), expected_version=group.version)
    assert renamed.name == "Beta"
    assert [g.name for g in repos.groups.list_groups().items] == ["Alpha", "Beta"]
    repos.groups.add_member("Z", "u1")
    app = repos.applications.create(rest_app("Wiki"), created_by="o")
    repos.applications.grant("Z", app.app_id, granted_by="o")
    repos.groups.delete("Z")
    with pytest.raises(NotFound):
        repos.groups.get("Z")
    assert repos.groups.groups_of_user("u1").items == []
    assert repos.applications.grants_of_group("Z") == []


def test_applications_crud(repos: Repositories) -> None:
    app = repos.applications.create(rest_app("Weather"), created_by="admin")
    assert repos.applications.get(app.app_id) == app
    updated = repos.applications.update(
        app.app_id,
        ApplicationUpdate.model_validate({"config": {"type": "REST", "endpoint": "https://v2.io"}}),
        expected_version=1,
    )
    assert updated.config.endpoint == "https://v2.io"  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        repos.applications.update(
            app.app_id,
            ApplicationUpdate.model_validate({"config": {"type": "INBUILT", "feature": "x"}}),
            expected_version=2,
        )
    with pytest.raises(Conflict):
        repos.applications.update(app.app_id, ApplicationUpdate(name="x"), expected_version=1)
    assert [a.name for a in repos.applications.list_applications().items] == ["Weather"]
    repos.applications.delete(app.app_id)
    with pytest.raises(NotFound):
        repos.applications.delete(app.app_id)


def test_visible_applications_are_deduplicated_and_active_only(repos: Repositories) -> None:
    # Given three apps granted to overlapping groups, one of them disabled
    for group_id in ("GENERAL", "DEVELOPERS", "EMPTY"):
        repos.groups.create(GroupCreate(name=group_id, group_id=group_id), owner_id="admin")
    chat, code, old = (
        repos.applications.create(rest_app(n), created_by="admin") for n in ("Chat", "Code", "Old")
    )
    for group_id, app in [
        ("GENERAL", chat),
        ("DEVELOPERS", chat),
        ("DEVELOPERS", code),
        ("GENERAL", old),
    ]:
        repos.applications.grant(group_id, app.app_id, granted_by="admin")
    repos.applications.update(
        old.app_id, ApplicationUpdate(status=ApplicationStatus.DISABLED), expected_version=1
    )

    # When a member of GENERAL and DEVELOPERS asks
    visible = repos.applications.visible_to_groups(["GENERAL", "DEVELOPERS", "EMPTY", "NONE"])

    # Then each active app appears once, by name
    assert [a.name for a in visible] == ["Chat", "Code"]
    assert [g.app_name for g in repos.applications.grants_of_group("DEVELOPERS")] == [
        "Chat",
        "Code",
    ] or sorted(g.app_name for g in repos.applications.grants_of_group("DEVELOPERS")) == [
        "Chat",
        "Code",
    ]

    # And revoking or deleting removes access
    repos.applications.revoke("DEVELOPERS", code.app_id)
    repos.applications.delete(chat.app_id)
    assert repos.applications.visible_to_groups(["GENERAL", "DEVELOPERS"]) == []
    with pytest.raises(NotFound):
        repos.applications.revoke("DEVELOPERS", code.app_id)
    with pytest.raises(NotFound):
        repos.applications.grant("NO-GROUP", old.app_id, granted_by="admin")


def test_usage_counters_accumulate_by_day(repos: Repositories) -> None:
    # Given six calls recorded at once on one day (ADD creates the day on first use)
    day = date(2026, 3, 1)
    increment = UsageIncrement(input_tokens=10, output_tokens=5)
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: repos.applications.record_usage("app1", day, increment), range(6)))
    repos.applications.record_usage("app1", date(2026, 3, 3), UsageIncrement(error_count=1))

    # Then a range read returns the sums per day
    usage = repos.applications.usage("app1", date(2026, 3, 1), date(2026, 3, 2))
    assert [(u.day, u.request_count, u.input_tokens, u.output_tokens) for u in usage] == [
        (day, 6, 60, 30)
    ]
    all_days = repos.applications.usage("app1", date(2026, 2, 1), date(2026, 3, 31))
    assert [(u.request_count, u.error_count) for u in all_days] == [(6, 0), (1, 1)]
