"""Every key builder's exact output, so a changed prefix, separator or sort key shows."""

from __future__ import annotations

from datetime import date

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
