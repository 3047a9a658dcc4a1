"""Live connections (WebSocket), which expire by TTL unless refreshed."""

from __future__ import annotations

from datetime import timedelta

from boto3.dynamodb.conditions import Attr

from strata.clock import Clock, epoch_seconds, format_timestamp
from strata.errors import NotFound
from strata.models.chat import ClientType, Connection
from strata.store import keys
from strata.store.base import Repository, attributes, draft, entity, is_expired
from strata.store.requests import QuerySpec
from strata.store.table import ConditionFailed, Table

DEFAULT_CONNECTION_TTL = timedelta(hours=2)


class ConnectionRepository(Repository):
    def __init__(
        self, table: Table, clock: Clock, *, ttl: timedelta = DEFAULT_CONNECTION_TTL
    ) -> None:
        super().__init__(table, clock)
        self._ttl = ttl

    def open(
        self,
        user_id: str,
        connection_id: str,
        *,
        client_type: ClientType = ClientType.WEB,
        user_agent: str | None = None,
    ) -> Connection:
        """1 PutItem (conditional: a connection id is used once)."""
        now = self._now()
        expires = now + self._ttl
        connection = draft(
            Connection,
            now,
            connection_id=connection_id,
            user_id=user_id,
            client_type=client_type,
            user_agent=user_agent,
            connected_at=now,
            expires_at=expires,
        )
        item = self._table.create(
            keys.connection(connection_id),
            attributes(
                connection,
                entity="CONNECTION",
                ttl=epoch_seconds(expires),
                GSI1PK=keys.user_connections(user_id),
                GSI1SK=format_timestamp(now),
            ),
            what="connection",
        )
        return entity(Connection, item)

    def get(self, connection_id: str) -> Connection:
        """1 GetItem. Absent or expired -> NotFound."""
        item = self._table.get(keys.connection(connection_id))
        if item is None or is_expired(item, self._now()):
            raise NotFound("connection not found")
        return entity(Connection, item)

    def touch(self, connection_id: str) -> Connection:
        """Push the expiry one TTL into the future: 1 UpdateItem. Absent/expired -> NotFound."""
        expires = self._now() + self._ttl
        try:
            item = self._table.update(
                keys.connection(connection_id),
                set_values={"expiresAt": format_timestamp(expires), "ttl": epoch_seconds(expires)},
                condition=Attr("ttl").gt(epoch_seconds(self._now())),
                what="connection",
            )
        except ConditionFailed:
            raise NotFound("connection not found") from None
        return entity(Connection, item)

    def for_user(self, user_id: str) -> list[Connection]:
        """A user's live connections, oldest first: 1 Query on GSI1 (expired ones filtered)."""
        spec = QuerySpec(
            keys.user_connections(user_id),
            index="GSI1",
            filter=Attr("ttl").gt(epoch_seconds(self._now())),
        )
        return [entity(Connection, item) for item in self._table.query_all(spec)]

    def close(self, connection_id: str) -> None:
        """1 DeleteItem; closing twice is fine."""
        self._table.delete(keys.connection(connection_id))
