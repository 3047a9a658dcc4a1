"""Key builders: every key from ids, ids checked, shards stable and in range."""

from __future__ import annotations

from datetime import date

import pytest

from strata.errors import ValidationError
from strata.schema import AUDIT_SHARDS, DOC_STATUS_SHARDS, LOGIN_SHARDS, USER_LIST_SHARDS
from strata.store import keys


def test_keys_follow_the_data_model() -> None:
    assert keys.user_profile("u1").to_item() == {"PK": "USER#u1", "SK": "PROFILE"}
    assert keys.email_unique(" A@B.io ") == keys.ItemKey("UNIQUE#EMAIL#a@b.io", "UNIQUE")
    assert keys.email_lookup("A@B.io") == "EMAIL#a@b.io"
    assert keys.group_member("g1", "u1") == keys.ItemKey("GROUP#g1", "MEMBER#u1")
    assert keys.user_groups("u1") == "USER#u1#GROUPS"
    assert keys.grant("g1", "a1") == keys.ItemKey("GROUP#g1", "APP#a1")
    assert keys.chat_session("u1", "s1") == keys.ItemKey("USER#u1", "SESSION#s1")
    assert keys.message("u1", "s1", "m1") == keys.ItemKey("USER#u1#SESSION#s1", "MSG#m1")
    assert keys.voice_session("u1", "s1", "v1").sk == "VOICE#v1"
    assert keys.document("u1", "d1") == keys.ItemKey("USER#u1", "DOC#d1")
    assert keys.user_documents("u1") == "USER#u1#DOCS"
    assert keys.memory("u1", "m1") == keys.ItemKey("USER#u1", "MEMORY#m1")
    assert keys.user_memories_of_type("u1", "FACT") == "USER#u1#MEMORY#FACT"
    assert keys.notification("u1", "n1") == keys.ItemKey("USER#u1", "NOTIF#n1")
    assert keys.user_unread("u1") == "USER#u1#UNREAD"
    assert keys.connection("c1") == keys.ItemKey("CONN#c1", "CONN")
    assert keys.usage("a1", date(2026, 3, 1)) == keys.ItemKey("APP#a1", "USAGE#2026-03-01")
    assert keys.audit_entity("DOCUMENT", "d1") == "AUDIT#DOCUMENT#d1"
    assert keys.migration("0001") == keys.ItemKey("SYSTEM", "MIGRATION#0001")


@pytest.mark.parametrize(
    "build",
    [
        lambda: keys.user_profile("u1#PROFILE"),
        lambda: keys.document("u1", "DOC#x"),
        lambda: keys.chat_session("", "s1"),
        lambda: keys.group_member("g1", "u/1"),
        lambda: keys.email_unique("no-at-sign"),
        lambda: keys.email_unique("a#b@c.io"),
    ],
)
def test_an_id_that_could_reach_another_partition_is_refused(build: object) -> None:
    with pytest.raises(ValidationError):
        build()  # type: ignore[operator]


def test_shards_are_stable_and_cover_their_range() -> None:
    # Given many ids
    ids = [f"user-{n}" for n in range(400)]

    # When they are sharded
    shards = {keys.shard_of(i, 4) for i in ids}

    # Then every shard is used, and the same id always lands in the same shard
    assert shards == {0, 1, 2, 3}
    assert keys.shard_of("user-7", 4) == keys.shard_of("user-7", 4)
    assert keys.user_list_partition("u1") in keys.user_list_partitions()
    assert keys.login_partition("u1") in keys.login_partitions()
    assert keys.document_status_partition("ready", "d1") in keys.document_status_partitions("ready")
    assert keys.audit_partition(date(2026, 3, 1), "a1") in keys.audit_partitions(date(2026, 3, 1))
    assert len(keys.user_list_partitions()) == USER_LIST_SHARDS
    assert len(keys.login_partitions()) == LOGIN_SHARDS
    assert len(keys.document_status_partitions("ready")) == DOC_STATUS_SHARDS
    assert len(keys.audit_partitions(date(2026, 3, 1))) == AUDIT_SHARDS
