"""0001: every user-owned item written before writers were recorded gets ``updatedBy``.

The events issue makes every API write record ``updatedBy`` (who changed the item), so the
stream can name the actor in the audit trail. Items written before that carry none. Only their
owner could have written them through the API, so ``updatedBy`` becomes the owner's id.
``updatedByBackfill`` marks what this migration set, so ``down`` removes exactly that and
nothing a real writer recorded since.

Cost: 1 Scan per 1 MB of the table + 1 UpdateItem per item changed. Neither direction touches
``updatedAt`` or ``version``: a migration is not an edit.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr

from ops.migrate import MigrationContext
from strata.store import keys

VERSION = "0001"
DESCRIPTION = "backfill updatedBy with the owner on items written before writers were recorded"
MARK = "updatedByBackfill"
# Entities only their owner writes through the API (memberships are written by group admins,
# notifications by the platform,
# uniqueness items are not entities anyone edits).
OWNER_WRITTEN = (
    "USER",
    "CHAT_SESSION",
    "CHAT_MESSAGE",
    "VOICE_SESSION",
    "DOCUMENT",
    "MEMORY",
)


def up(context: MigrationContext) -> int:
    missing = Attr("updatedBy").not_exists() & Attr("entity").is_in(list(OWNER_WRITTEN))
    changed = 0
    for item in context.bulk.scan(condition=missing, projection=("PK", "SK", "userId")):
        if context.dry_run:
            changed += 1
            continue
        if context.bulk.patch(
            keys.ItemKey.of(item),
            set_values={"updatedBy": item["userId"], MARK: VERSION},
            condition=Attr("updatedBy").not_exists(),
        ):
            changed += 1
        context.advance()
    return changed


def down(context: MigrationContext) -> int:
    marked = Attr(MARK).eq(VERSION)
    changed = 0
    for item in context.bulk.scan(condition=marked, projection=("PK", "SK")):
        if context.dry_run:
            changed += 1
            continue
        if context.bulk.patch(keys.ItemKey.of(item), remove=("updatedBy", MARK), condition=marked):
            changed += 1
        context.advance()
    return changed
