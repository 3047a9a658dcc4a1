"""Read a table's stream on moto the way Lambda's event source mapping does, and build the event
Lambda would send the streams function."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.moto_server import MotoServer


class StreamTap:
    """Every record written to ``table``'s stream since the last :meth:`take`, shard by shard."""

    def __init__(self, server: MotoServer, table: str) -> None:
        self._streams = server.client("dynamodbstreams")
        self.arn = server.client("dynamodb").describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        self._iterators: dict[str, str | None] = {}

    def take(self) -> list[dict[str, Any]]:
        """New records, in the shape Lambda delivers them (oldest first)."""
        records: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            iterator = self._iterators.get(shard_id)
            if iterator is None:
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                iterator = response.get("NextShardIterator")
                if not response["Records"]:
                    break
                records.extend(self._as_lambda(r) for r in response["Records"])
            self._iterators[shard_id] = iterator
        return records

    def event(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Records": records}

    def _as_lambda(self, record: dict[str, Any]) -> dict[str, Any]:
        """``get_records`` gives ApproximateCreationDateTime as a datetime; Lambda as epoch
        seconds, and it adds the source ARN."""
        data = dict(record["dynamodb"])
        created = data.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            data["ApproximateCreationDateTime"] = created.timestamp()
        return {**record, "dynamodb": data, "eventSourceARN": self.arn}
