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
    assert keys.connection("d5hfJcGIIAMCFXQ=") == keys.ItemKey("CONN#d5hfJcGIIAMCFXQ=", "CONN")
    assert keys.client_message("u1", "s1", "c-1") == keys.ItemKey(
        "USER#u1#SESSION#s1", "CLIENTMSG#c-1"
    )
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
        lambda: keys.user_profile("u1\n"),
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


# sha256-based: computed once and pinned, so a change of hash (Python's hash() is salted per
# process) would show here before it splits one shard's items across two.
PINNED_SHARDS_OF_4 = [1, 0, 3, 0, 1, 0, 0, 0]
PINNED_U1_OF_10 = 3

# Every key builder that takes an id checks it: (builder, the id argument it checks).
ID_CHECKS = {
    "user_partition": keys.user_partition,
    "user_profile": keys.user_profile,
    "group_partition": keys.group_partition,
    "group_member.group": lambda bad: keys.group_member(bad, "u1"),
    "group_member.user": lambda bad: keys.group_member("g1", bad),
    "user_groups": keys.user_groups,
    "app_metadata": keys.app_metadata,
    "grant.group": lambda bad: keys.grant(bad, "a1"),
    "grant.app": lambda bad: keys.grant("g1", bad),
    "app_grants": keys.app_grants,
    "usage": lambda bad: keys.usage(bad, date(2026, 3, 1)),
    "chat_session.user": lambda bad: keys.chat_session(bad, "s1"),
    "chat_session.session": lambda bad: keys.chat_session("u1", bad),
    "user_sessions": keys.user_sessions,
    "session_partition.session": lambda bad: keys.session_partition("u1", bad),
    "message": lambda bad: keys.message("u1", "s1", bad),
    "voice_session": lambda bad: keys.voice_session("u1", "s1", bad),
    "client_message": lambda bad: keys.client_message("u1", "s1", bad),
    "user_connections": keys.user_connections,
    "document.user": lambda bad: keys.document(bad, "d1"),
    "document.document": lambda bad: keys.document("u1", bad),
    "user_documents": keys.user_documents,
    "memory": lambda bad: keys.memory("u1", bad),
    "user_memories_of_type": lambda bad: keys.user_memories_of_type(bad, "FACT"),
    "notification": lambda bad: keys.notification("u1", bad),
    "user_unread": keys.user_unread,
    "audit_entity": lambda bad: keys.audit_entity("DOCUMENT", bad),
    "migration": keys.migration,
}


@pytest.mark.parametrize("bad", ["x#1", "x\n", "", "-x", "x" * 129])
@pytest.mark.parametrize("builder", sorted(ID_CHECKS))
def test_every_key_builder_checks_its_ids(builder: str, bad: str) -> None:
    # When any key builder is given an id that breaks the rules
    with pytest.raises(ValidationError) as caught:
        ID_CHECKS[builder](bad)
    # Then it refuses it with a 400 naming the id
    assert caught.value.message.startswith("invalid ")
    assert caught.value.details["fields"][0]["message"] == "letters, digits, '-' and '_' only"


@pytest.mark.parametrize("bad", ["x#1", "x\n", "", "a b", "x" * 129])
def test_a_connection_key_refuses_what_no_connection_id_looks_like(bad: str) -> None:
    # API Gateway's connection ids are base64-like ('=' allowed); never a '#', space or newline
    with pytest.raises(ValidationError, match="invalid connectionId"):
        keys.connection(bad)


def test_the_refusal_names_the_id_that_was_wrong() -> None:
    with pytest.raises(ValidationError) as caught:
        keys.message("u1", "s1", "m#1")
    assert caught.value.message == "invalid messageId"
    assert caught.value.details["fields"][0]["field"] == "messageId"
    with pytest.raises(ValidationError) as default:
        keys.checked("a#b")
    assert default.value.message == "invalid id"


def test_a_non_string_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        keys.checked(7)  # type: ignore[arg-type]


def test_shard_numbers_are_the_same_in_every_process() -> None:
    # Given the shard function that writers and readers in different processes share
    # Then it does not depend on Python's per-process string hash: these are fixed forever
    assert [keys.shard_of(f"user-{n}", 4) for n in range(8)] == PINNED_SHARDS_OF_4
    assert keys.shard_of("u1", 10) == PINNED_U1_OF_10
    assert keys.user_list_partition("u1") == f"TYPE#USER#{keys.shard_of('u1', USER_LIST_SHARDS)}"
    assert keys.login_partition("u1") == f"LOGINS#{keys.shard_of('u1', LOGIN_SHARDS)}"
    assert keys.document_status_partition("ready", "d1") == (
        f"DOCSTATUS#ready#{keys.shard_of('d1', DOC_STATUS_SHARDS)}"
    )
    assert keys.audit_partition(date(2026, 3, 1), "a1") == (
        f"AUDIT#2026-03-01#{keys.shard_of('a1', AUDIT_SHARDS)}"
    )


@pytest.mark.parametrize(
    "variant",
    [
        "ALICE@EXAMPLE.COM",
        "\uff41lice@example.com",  # full-width a
        "alice@\uff45xample.com",  # full-width e
        " Alice@Example.com ",
    ],
)
def test_look_alike_encodings_of_one_address_share_one_uniqueness_key(variant: str) -> None:
    assert keys.email_unique(variant) == keys.email_unique("alice@example.com")
    assert keys.email_lookup(variant) == "EMAIL#alice@example.com"


def test_case_folding_goes_beyond_lower_case() -> None:
    # "STRASSE" and "straße" fold to the same text; lower() alone keeps the sharp s
    assert keys.normalize_email("STRASSE@example.com") == keys.normalize_email("straße@example.com")
