"""One SQS message of S3 events through the pipeline, at most once per object version.

Powertools idempotency keys each object by bucket + key + version id (for an unversioned write the
event's sequencer, and the ETag where an emulator sends neither): a replayed or duplicated event
returns the stored result and changes nothing. A run that raises leaves no record, so SQS
redelivery runs it again; a run still in progress makes a concurrent duplicate fail (and be
redelivered later) instead of racing it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from strata.documents.pipeline import IngestionPipeline, S3ObjectRef
from strata.documents.s3_events import objects_in_message

IDEMPOTENCY_KEY = "[bucket, key, version_id || sequencer || etag]"
IDEMPOTENCY_HOURS = 24


class IngestWorker:
    def __init__(
        self,
        pipeline: IngestionPipeline,
        persistence: BasePersistenceLayer,
        *,
        max_receive_count: int,
        expires_after_seconds: int = IDEMPOTENCY_HOURS * 3600,
    ) -> None:
        self._pipeline = pipeline
        self._max_receive_count = max_receive_count
        self._config = IdempotencyConfig(
            event_key_jmespath=IDEMPOTENCY_KEY,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
        )
        self._ingest_once = idempotent_function(
            self._ingest,
            data_keyword_argument="source",
            persistence_store=persistence,
            config=self._config,
            key_prefix="strata-ingest",
        )

    def register_lambda_context(self, context: Any) -> None:
        """Lets an in-progress record expire with the invocation (a timed-out run is retried)."""
        self._config.register_lambda_context(context)

    def handle_message(self, body: str, receive_count: int) -> list[dict[str, Any]]:
        """Results (``IngestResult.to_dict()``) of every object in the message."""
        final_attempt = receive_count >= self._max_receive_count
        return [
            self._ingest_once(
                source=asdict(ref),
                final_attempt=final_attempt,
                earlier_attempts=max(0, receive_count - 1),
            )
            for ref in objects_in_message(body)
        ]

    def _ingest(
        self, source: dict[str, Any], final_attempt: bool, earlier_attempts: int
    ) -> dict[str, Any]:
        result = self._pipeline.ingest(
            S3ObjectRef(**source), final_attempt=final_attempt, earlier_attempts=earlier_attempts
        )
        return result.to_dict()
