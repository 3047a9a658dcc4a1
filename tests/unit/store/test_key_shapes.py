"""Every key builder's exact output, so a changed prefix, separator or sort key shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from strata.errors import ValidationError
from strata.store import keys

DAY = date(2026, 3, 1)


def test_every_key_has_its_documented_shape() -> None:
    ItemKey = keys.ItemKey
    assert keys.user_partition("u1") == "USER#u1"
    assert keys.user_profile("u1") == ItemKey("USER#u1", "PROFILE")
    assert keys.email_unique("a@b.io") == ItemKey("UNIQUE#EMAIL#a@b.io", "UNIQUE")
    assert keys.email_lookup("a@b.io") == "EMAIL#a@b.io"
    assert keys.group_partition("g1") == "GROUP#g1"
    assert keys.group_metadata("g1") == ItemKey("GROUP#g1", "METADATA")
    assert keys.group_member("g1", "u1") == ItemKey("GROUP#g1", "MEMBER#u1")
    assert keys.user_groups("u1") == "USER#u1#GROUPS"
    assert keys.app_metadata("a1") == ItemKey("APP#a1", "METADATA")
    assert keys.grant("g1", "a1") == ItemKey("GROUP#g1", "APP#a1")
    assert keys.app_grants("a1") == "APP#a1#GRANTS"
    assert keys.usage("a1", DAY) == ItemKey("APP#a1", "USAGE#2026-03-01")
    assert keys.chat_session("u1", "s1") == ItemKey("USER#u1", "SESSION#s1")
    assert keys.user_sessions("u1") == "USER#u1#SESSIONS"
    assert keys.session_partition("u1", "s1") == "USER#u1#SESSION#s1"
    assert keys.message("u1", "s1", "m1") == ItemKey("USER#u1#SESSION#s1", "MSG#m1")
    assert keys.voice_session("u1", "s1", "v1") == ItemKey("USER#u1#SESSION#s1", "VOICE#v1")
    assert keys.connection("c1") == ItemKey("CONN#c1", "CONN")
    assert keys.user_connections("u1") == "USER#u1#CONNS"
    assert keys.document("u1", "d1") == ItemKey("USER#u1", "DOC#d1")
    assert keys.user_documents("u1") == "USER#u1#DOCS"
    assert keys.memory("u1", "m1") == ItemKey("USER#u1", "MEMORY#m1")
    assert keys.user_memories_of_type("u1", "FACT") == "USER#u1#MEMORY#FACT"
    assert keys.notification("u1", "n1") == ItemKey("USER#u1", "NOTIF#n1")
    assert keys.user_unread("u1") == "USER#u1#UNREAD"
    assert keys.audit_entity("DOCUMENT", "d1") == "AUDIT#DOCUMENT#d1"
    assert keys.migration("0001") == ItemKey("SYSTEM", "MIGRATION#0001")
    assert ItemKey("SYSTEM", "HEALTH") == keys.HEALTH


def test_item_keys_convert_both_ways() -> None:
    key = keys.ItemKey("P", "S")
    assert key.to_item() == {"PK": "P", "SK": "S"}
    assert keys.ItemKey.of({"PK": "P", "SK": "S", "other": 1}) == key
    assert keys.ItemKey.of({"PK": 7, "SK": 8}) == keys.ItemKey("7", "8")


def test_sharded_partitions_list_every_shard_in_order() -> None:
    assert keys.user_list_partitions()[0] == "TYPE#USER#0"
    assert keys.login_partitions()[0] == "LOGINS#0"
    assert keys.document_status_partitions("ready")[0] == "DOCSTATUS#ready#0"
    assert keys.audit_partitions(DAY)[0] == "AUDIT#2026-03-01#0"
    assert keys.user_list_partitions() == [
        f"TYPE#USER#{n}" for n in range(len(keys.user_list_partitions()))
    ]


def test_the_keys_the_stream_function_writes_have_their_shape() -> None:
    assert keys.user_usage("u1", DAY) == keys.ItemKey("USER#u1", "USAGE#2026-03-01")
    assert keys.stream_marker("e-1_2") == keys.ItemKey("EVENT#e-1_2", "EVENT")
    assert keys.client_message("u1", "s1", "c1") == keys.ItemKey(
        "USER#u1#SESSION#s1", "CLIENTMSG#c1"
    )


# Every id a builder checks, with the field its refusal names (the 400 tells the client which).
NAMED_CHECKS: dict[str, tuple[Callable[[str], object], str]] = {
    "user_partition": (keys.user_partition, "userId"),
    "user_profile": (keys.user_profile, "userId"),
    "group_partition": (keys.group_partition, "groupId"),
    "group_member.group": (lambda bad: keys.group_member(bad, "u1"), "groupId"),
    "group_member.user": (lambda bad: keys.group_member("g1", bad), "userId"),
    "app_metadata": (keys.app_metadata, "appId"),
    "grant.app": (lambda bad: keys.grant("g1", bad), "appId"),
    "app_grants": (keys.app_grants, "appId"),
    "usage": (lambda bad: keys.usage(bad, DAY), "appId"),
    "user_usage": (lambda bad: keys.user_usage(bad, DAY), "userId"),
    "chat_session": (lambda bad: keys.chat_session("u1", bad), "sessionId"),
    "session_partition": (lambda bad: keys.session_partition("u1", bad), "sessionId"),
    "message": (lambda bad: keys.message("u1", "s1", bad), "messageId"),
    "voice_session": (lambda bad: keys.voice_session("u1", "s1", bad), "voiceSessionId"),
    "document": (lambda bad: keys.document("u1", bad), "documentId"),
    "memory": (lambda bad: keys.memory("u1", bad), "memoryId"),
    "notification": (lambda bad: keys.notification("u1", bad), "notificationId"),
    "audit_entity": (lambda bad: keys.audit_entity("DOCUMENT", bad), "entityId"),
    "migration": (keys.migration, "version"),
    "stream_marker": (keys.stream_marker, "recordId"),
    "client_message": (lambda bad: keys.client_message("u1", "s1", bad), "clientMessageId"),
}


@pytest.mark.parametrize("builder", sorted(NAMED_CHECKS))
def test_a_refused_id_is_named_in_the_error(builder: str) -> None:
    # Given a key builder and an id that could reach another partition
    build, field = NAMED_CHECKS[builder]
    # When it is asked for the key
    with pytest.raises(ValidationError) as caught:
        build("x#1")
    # Then the 400 names exactly that id
    assert caught.value.message == f"invalid {field}"
    assert caught.value.details == {
        "fields": [{"field": field, "message": "letters, digits, '-' and '_' only"}]
    }


@pytest.mark.parametrize("connection_id", ["d5hfJcGIIAMCFXQ=", "a+b/c-d_e", "x" * 128])
def test_api_gateway_connection_ids_are_keys(connection_id: str) -> None:
    # API Gateway's connection ids are base64-like: '=', '+' and '/' are part of them
    assert keys.connection(connection_id) == keys.ItemKey(f"CONN#{connection_id}", "CONN")


@pytest.mark.parametrize("bad", ["", "a#b", "x" * 129, "a b", "a\n", 7])
def test_a_connection_id_that_could_reach_another_partition_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        keys.connection(bad)  # type: ignore[arg-type]
    assert caught.value.message == "invalid connectionId"
    assert caught.value.details == {
        "fields": [{"field": "connectionId", "message": "not a connection id"}]
    }


def test_an_email_is_at_most_254_characters() -> None:
    # Given addresses of 254 and 255 characters (RFC 5321's limit on a path is 254)
    longest = "a" * 242 + "@example.com"
    assert len(longest) == 254
    # Then the first is a key and the second is refused
    assert keys.normalize_email(longest) == longest
    with pytest.raises(ValidationError):
        keys.normalize_email("a" + longest)


@pytest.mark.parametrize("email", ["", "   ", "no-at-sign", "a#b@c.io", "x" * 250 + "@b.io"])
def test_a_refused_email_says_so_in_the_errors_shape(email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        keys.email_unique(email)
    assert caught.value.message == "invalid email"
    assert caught.value.details == {"fields": [{"field": "email", "message": "not an email"}]}
