"""What a legacy SQLite database holds, and a suggested mapping."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ops.legacy.mapping import FIELDS, EntityMapping, EntityName, Mapping

# Legacy names each entity and field is commonly found under.
TABLE_NAMES: dict[EntityName, tuple[str, ...]] = {
    "users": ("users", "user", "accounts", "account", "members_users"),
    "groups": ("groups", "group", "circles", "circle", "teams"),
    "memberships": ("memberships", "membership", "group_members", "circle_members", "members"),
    "sessions": ("sessions", "chat_sessions", "conversations", "chats"),
    "messages": ("messages", "chat_messages", "message"),
    "documents": ("documents", "files", "uploads", "document"),
}
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "uuid", "pk"),
    "email": ("email", "email_address", "mail"),
    "firstName": ("first_name", "firstname", "given_name"),
    "lastName": ("last_name", "lastname", "family_name", "surname"),
    "role": ("role", "user_role", "member_role", "sender", "author_role"),
    "isActive": ("is_active", "active", "enabled"),
    "createdAt": ("created_at", "created", "inserted_at", "sent_at", "uploaded_at"),
    "updatedAt": ("updated_at", "modified_at"),
    "lastLoginAt": ("last_login_at", "last_login", "last_seen"),
    "name": ("name", "title", "display_name"),
    "title": ("title", "subject", "name"),
    "description": ("description", "about", "summary"),
    "ownerId": ("owner_id", "created_by", "owner"),
    "groupId": ("group_id", "circle_id", "team_id"),
    "userId": ("user_id", "owner_id", "account_id", "member_id"),
    "joinedAt": ("joined_at", "created_at"),
    "sessionId": ("session_id", "conversation_id", "chat_id"),
    "content": ("content", "body", "text", "message"),
    "status": ("status", "state"),
    "fileName": ("file_name", "filename", "name", "original_name"),
    "fileType": ("file_type", "mime_type", "content_type", "mimetype"),
    "fileSize": ("file_size", "size", "size_bytes", "bytes"),
    "s3Key": ("s3_key", "storage_key", "path"),
}


@dataclass
class TableReport:
    name: str
    columns: list[tuple[str, str, bool]]  # name, declared type, not null
    rows: int
    foreign_keys: list[tuple[str, str, str]]  # column -> table.column
    findings: list[str] = field(default_factory=list)


def analyze(connection: sqlite3.Connection) -> list[TableReport]:
    reports = []
    tables = [
        str(row[0])
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    for table in tables:
        quoted = _quote(table)
        columns = [
            (str(c[1]), str(c[2]), bool(c[3]))
            for c in connection.execute(f"PRAGMA table_info({quoted})")
        ]
        rows = int(connection.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0])  # noqa: S608
        keys = [
            (str(k[3]), str(k[2]), str(k[4]))
            for k in connection.execute(f"PRAGMA foreign_key_list({quoted})")
        ]
        report = TableReport(table, columns, rows, [(c, t, r) for c, t, r in keys])
        report.findings = _findings(connection, table, columns, report.foreign_keys)
        reports.append(report)
    return reports


def _findings(
    connection: sqlite3.Connection,
    table: str,
    columns: list[tuple[str, str, bool]],
    foreign_keys: list[tuple[str, str, str]],
) -> list[str]:
    found = []
    quoted = _quote(table)
    names = {c[0] for c in columns}
    for email in names & set(COLUMN_NAMES["email"]):
        column = _quote(email)
        duplicates = connection.execute(
            f"SELECT LOWER(TRIM({column})), COUNT(*) FROM {quoted} "  # noqa: S608
            f"WHERE {column} IS NOT NULL GROUP BY 1 HAVING COUNT(*) > 1"
        ).fetchall()
        if duplicates:
            found.append(f"{len(duplicates)} duplicate {email} value(s), e.g. {duplicates[0][0]}")
        empty = connection.execute(
            f"SELECT COUNT(*) FROM {quoted} WHERE {column} IS NULL OR TRIM({column}) = ''"  # noqa: S608
        ).fetchone()[0]
        if empty:
            found.append(f"{empty} row(s) without {email}")
    for column, parent, parent_column in foreign_keys:
        child, referenced = _quote(column), _quote(parent_column)
        orphans = connection.execute(
            f"SELECT COUNT(*) FROM {quoted} c WHERE c.{child} IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {_quote(parent)} p WHERE p.{referenced} = c.{child})"
        ).fetchone()[0]
        if orphans:
            found.append(f"{orphans} row(s) whose {column} names no {parent}.{parent_column}")
    return found


def suggest(reports: list[TableReport], id_prefix: str = "legacy-") -> Mapping:
    """A mapping that matches tables and columns by their usual names; edit before use."""
    by_name = {report.name.lower(): report for report in reports}
    entities: dict[EntityName, EntityMapping] = {}
    for entity, candidates in TABLE_NAMES.items():
        report = next((by_name[c] for c in candidates if c in by_name), None)
        if report is None:
            continue
        available = [c[0] for c in report.columns]
        lowered = {name.lower(): name for name in available}
        columns: dict[str, str] = {}
        used: set[str] = set()
        for wanted in FIELDS[entity]:
            for candidate in COLUMN_NAMES.get(wanted, ()):
                if candidate in lowered and lowered[candidate] not in used:
                    columns[wanted] = lowered[candidate]
                    used.add(lowered[candidate])
                    break
        key = columns.get("id") or next((c[0] for c in report.columns if c[0] == "id"), "rowid")
        entities[entity] = EntityMapping(table=report.name, key=key, columns=columns)
    return Mapping.model_validate({"idPrefix": id_prefix, "entities": entities})


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote(name: str) -> str:
    return _quote(name)


def as_rows(report: TableReport) -> dict[str, Any]:
    return {
        "table": report.name,
        "rows": report.rows,
        "columns": ", ".join(f"{n} {t}{' NOT NULL' if nn else ''}" for n, t, nn in report.columns),
        "foreign keys": ", ".join(f"{c} -> {t}.{r}" for c, t, r in report.foreign_keys) or "-",
        "findings": "; ".join(report.findings) or "-",
    }
