"""The production wiring of the assistant: the configured responder over the search service."""

from __future__ import annotations

from functools import lru_cache, partial

from strata.assistant.responders import (
    BedrockConverseResponder,
    ExtractiveResponder,
    Responder,
)
from strata.assistant.retrieval import RetrievalAssistant
from strata.config import Settings
from strata.lazy import OnFirstUse
from strata.search.factory import build_search_service


def build_responder(settings: Settings) -> Responder:
    if settings.responder == "extractive":
        return ExtractiveResponder()
    from strata.search.bedrock import build_bedrock_runtime_client  # noqa: PLC0415

    # Unlike embeddings, one answer is one call: let botocore retry it (standard mode, 3 tries).
    # Built by the first answer.
    client = OnFirstUse(partial(build_bedrock_runtime_client, settings.region, max_attempts=3))
    return BedrockConverseResponder(client, settings.answer_model_id)


@lru_cache(maxsize=4)
def build_assistant(settings: Settings) -> RetrievalAssistant:
    return RetrievalAssistant(build_search_service(settings), build_responder(settings))
