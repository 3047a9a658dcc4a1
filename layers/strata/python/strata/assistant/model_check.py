"""Which Bedrock models Strata calls, and whether Bedrock still offers them as Active.

A model id is either a foundation model (``amazon.titan-embed-text-v2:0``) or a cross-region
inference profile: the model id behind a geography prefix (``us.``, ``eu.``, ``apac.``, ``jp.``,
``au.``, ``ca.``, ``us-gov.``) or ``global.``. Newer models are offered only through profiles.

:func:`check_model` asks Bedrock's control plane (``GetFoundationModel``, and
``GetInferenceProfile`` for a profile) and reports a model that is Legacy, unknown in the
region, or not reachable with the caller's permissions. ``strata verify`` calls
:func:`verify_models` to report every configured model that is not Active.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strata.config import DEFAULT_ANSWER_MODEL_ID, Settings

__all__ = [
    "DEFAULT_ANSWER_MODEL_ID",
    "ModelStatus",
    "check_model",
    "parse_model_id",
    "verify_models",
]

# Geography prefixes of system-defined cross-region inference profiles, and the global one.
INFERENCE_PROFILE_PREFIXES: tuple[str, ...] = (
    "us-gov.",
    "us.",
    "eu.",
    "apac.",
    "jp.",
    "au.",
    "ca.",
    "global.",
)


@dataclass(frozen=True)
class ModelRef:
    """A configured model id split into its inference-profile prefix and its foundation model."""

    model_id: str
    foundation_model_id: str
    profile_prefix: str | None

    @property
    def is_profile(self) -> bool:
        return self.profile_prefix is not None


def parse_model_id(model_id: str) -> ModelRef:
    for prefix in INFERENCE_PROFILE_PREFIXES:
        if model_id.startswith(prefix):
            return ModelRef(model_id, model_id[len(prefix) :], prefix.rstrip("."))
    return ModelRef(model_id, model_id, None)


@dataclass(frozen=True)
class ModelStatus:
    """What Bedrock says of one configured model. ``active`` only when nothing is wrong."""

    model_id: str
    purpose: str  # "answers", "embeddings"
    lifecycle: str  # ACTIVE, LEGACY, or UNKNOWN when Bedrock could not be asked
    problems: tuple[str, ...] = ()
    underlying_model_arns: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.lifecycle == "ACTIVE" and not self.problems


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", type(exc).__name__))


def check_model(bedrock: Any, model_id: str, *, purpose: str) -> ModelStatus:
    """Ask Bedrock (``bedrock`` is a boto3 ``bedrock`` control-plane client) about one model."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    ref = parse_model_id(model_id)
    problems: list[str] = []
    lifecycle = "UNKNOWN"
    try:
        details = bedrock.get_foundation_model(modelIdentifier=ref.foundation_model_id)
        lifecycle = str(details["modelDetails"].get("modelLifecycle", {}).get("status", "UNKNOWN"))
        if lifecycle != "ACTIVE":
            problems.append(
                f"{ref.foundation_model_id} is {lifecycle} on Bedrock: move to an Active model"
            )
    except (BotoCoreError, ClientError) as exc:
        problems.append(f"{ref.foundation_model_id}: Bedrock answered {_error_code(exc)}")
    arns: tuple[str, ...] = ()
    if ref.is_profile:
        try:
            profile = bedrock.get_inference_profile(inferenceProfileIdentifier=model_id)
            arns = tuple(str(model["modelArn"]) for model in profile.get("models", []))
            if profile.get("status") != "ACTIVE":
                problems.append(f"inference profile {model_id} is {profile.get('status')}")
        except (BotoCoreError, ClientError) as exc:
            problems.append(f"inference profile {model_id}: Bedrock answered {_error_code(exc)}")
    return ModelStatus(model_id, purpose, lifecycle, tuple(problems), arns)


def configured_models(settings: Settings) -> list[tuple[str, str]]:
    """``(purpose, model id)`` of every Bedrock model ``settings`` make Strata call."""
    models: list[tuple[str, str]] = []
    if settings.responder == "bedrock":
        models.append(("answers", settings.answer_model_id))
    if settings.embedder == "bedrock":
        models.append(("embeddings", settings.embedding_model_id))
    return models


def verify_models(settings: Settings, bedrock: Any = None) -> list[ModelStatus]:
    """The status of every configured model; a model that is not Active has ``problems``.

    ``bedrock`` defaults to a control-plane client for ``settings.region``.
    """
    models = configured_models(settings)
    if models and bedrock is None:
        import boto3  # noqa: PLC0415

        bedrock = boto3.client("bedrock", region_name=settings.region)
    return [check_model(bedrock, model_id, purpose=purpose) for purpose, model_id in models]


def not_active(statuses: Sequence[ModelStatus]) -> list[ModelStatus]:
    return [status for status in statuses if not status.active]
