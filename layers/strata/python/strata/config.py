"""Every runtime setting of the functions, read once from the environment into a typed object.

Nothing here runs at import time: call :func:`get_settings` (cached) from a factory or a handler.
Tests build :class:`Settings` directly or call :meth:`Settings.from_env` with a mapping.
Variable names are ``STRATA_`` + the field name in upper case (``STRATA_TABLE_NAME``).
"""

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

ENV_PREFIX = "STRATA_"
# Settings given as comma-separated lists in the environment.
LIST_FIELDS = frozenset({"allowed_content_types", "cors_origins"})

DEFAULT_ALLOWED_CONTENT_TYPES: tuple[str, ...] = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/plain",
    "text/markdown",
    "text/html",
    "text/csv",
    "application/json",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png",
    "image/jpeg",
    "image/tiff",
)

# Active on Bedrock: Claude Haiku 4.5, offered through cross-region inference profiles only. The
# deployment region's geography picks the prefix (us., eu., apac., ...; global. from anywhere).
DEFAULT_ANSWER_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


class Settings(BaseModel):
    """Runtime configuration shared by every function. Frozen: settings never change mid-flight."""

    # Built on first use (defer_build): the settings are read on a function's first request, so
    # its import does not pay for the validator.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    env: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{1,15}$")
    region: str = "us-east-1"
    # The environment's resources: no defaults, so a function deployed without one stops at its
    # first invocation with "invalid Strata settings: STRATA_TABLE_NAME: Field required" instead
    # of reaching for another environment's table.
    table_name: str = Field(min_length=3)
    idempotency_table_name: str = Field(min_length=3)
    bucket_name: str = Field(min_length=3)
    user_pool_id: str = ""
    # The user pool's app client: the audience of the ID tokens the WebSocket API accepts.
    user_pool_client_id: str = ""
    # The WebSocket API's management endpoint (https://{api}.execute-api.{region}.amazonaws.com/
    # {stage}, or the local stack's), used to push frames to connections; empty: no pushes.
    realtime_endpoint: str = ""
    # Where the pool's signing keys are; empty: Cognito's own
    # (https://cognito-idp.{region}.amazonaws.com/{user_pool_id}/.well-known/jwks.json).
    # The local stack points it at the emulated pool's JWKS.
    user_pool_jwks_url: str = ""
    # Signs pagination tokens. In AWS the functions read it from SSM SecureString / Secrets
    # Manager named by token_secret_parameter; tests and the local stack set it directly.
    token_secret: str = ""
    token_secret_parameter: str = ""
    # Search and answers.
    collection_endpoint: str = ""
    chunks_index: str = "chunks"
    memories_index: str = "memories"
    embedder: Literal["bedrock", "local"] = "bedrock"
    vector_index: Literal["opensearch", "s3vectors", "local"] = "opensearch"
    # The Amazon S3 Vectors bucket holding the two indexes (vector_index "s3vectors").
    vector_bucket_name: str = ""
    responder: Literal["bedrock", "extractive"] = "bedrock"
    embedding_model_id: str = "amazon.titan-embed-text-v2:0"
    embedding_dimension: Literal[256, 512, 1024] = 1024
    embedding_concurrency: int = Field(default=8, ge=1, le=64)
    answer_model_id: str = DEFAULT_ANSWER_MODEL_ID
    # Documents.
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    allowed_content_types: tuple[str, ...] = DEFAULT_ALLOWED_CONTENT_TYPES
    upload_url_expiry_seconds: int = Field(default=900, ge=60, le=3600)
    chunk_tokens: int = Field(default=300, ge=50, le=2000)
    chunk_overlap_ratio: float = Field(default=0.15, ge=0.0, le=0.5)
    max_pages: int = Field(default=2000, ge=1)
    max_extracted_chars: int = Field(default=5_000_000, ge=1)
    # OCR of scans and images: Amazon Textract in AWS, the tesseract program locally, or off.
    ocr: Literal["textract", "tesseract", "off"] = "tesseract"
    # Notifications that are not persistent expire after this many days (TTL).
    notification_ttl_days: int = Field(default=30, ge=1)
    # Audit entries expire (TTL) this many days after the write they record.
    audit_retention_days: int = Field(default=365, ge=1)
    # Maintenance (the scheduled function). A document still ``uploading`` this long after its
    # presigned POST expired, or ``processing`` longer than every delivery of its ingest message
    # may take (the queue's visibility timeout x its maxReceiveCount), is swept to ``error``.
    maintenance_margin_seconds: int = Field(default=900, ge=0, le=86_400)
    # Documents uploaded more than this many days ago are deleted; 0 keeps them for ever.
    document_retention_days: int = Field(default=0, ge=0, le=36_500)
    # Browser origins the API names in Access-Control-Allow-Origin (none: no CORS headers).
    cors_origins: tuple[str, ...] = ()
    # The ingest queue's redrive maxReceiveCount and visibility timeout, set by the infra from the
    # queue construct (never guessed): the delivery that reaches the count is the last before the
    # DLQ. Required by the ingest (count) and maintenance (both) functions.
    ingest_max_receive_count: int | None = Field(default=None, ge=1, le=1000)
    ingest_visibility_timeout_seconds: int | None = Field(default=None, ge=1, le=43_200)

    @field_validator("embedding_dimension", mode="before")
    @classmethod
    def _dimension_from_text(cls, value: object) -> object:
        # Environment variables are text; a Literal of ints does not coerce "1024" by itself.
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read ``STRATA_*`` variables; unknown ``STRATA_*`` names and bad values are errors."""
        source = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, raw in source.items():
            if not name.startswith(ENV_PREFIX):
                continue
            field = name[len(ENV_PREFIX) :].lower()
            if field in LIST_FIELDS:
                values[field] = tuple(part.strip() for part in raw.split(",") if part.strip())
            else:
                values[field] = raw
        try:
            return cls.model_validate(values)
        except PydanticValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                for err in exc.errors()
            )
            raise RuntimeError(f"invalid Strata settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
