"""CORS headers that name the caller's origin only when the environment allows it.

The resolver needs its CORS configuration when it is built, at import, but the allowed origins
are a setting (``STRATA_CORS_ORIGINS``) and settings are never read at import. So the resolver
gets a :class:`ConfiguredCors`, which builds Powertools' own :class:`CORSConfig` from the
settings on the first request and delegates to it. No origin configured: no CORS headers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from aws_lambda_powertools.event_handler import CORSConfig

EXTRA_HEADERS = ("If-Match",)
MAX_AGE_SECONDS = 3600


def configured_origins() -> Sequence[str]:
    # The settings module (and pydantic) loads with the first request, not with the function.
    from strata.config import get_settings  # noqa: PLC0415

    return get_settings().cors_origins


@lru_cache(maxsize=8)
def cors_for(origins: tuple[str, ...]) -> CORSConfig | None:
    """Powertools' CORS for ``origins`` (None when there are none); credentials never allowed."""
    if not origins:
        return None
    first, *rest = origins
    return CORSConfig(
        allow_origin=first,
        extra_origins=rest,
        allow_headers=list(EXTRA_HEADERS),
        max_age=MAX_AGE_SECONDS,
        allow_credentials=False,
    )


class ConfiguredCors(CORSConfig):
    """A :class:`CORSConfig` whose origins come from ``origins()`` when a request needs them."""

    def __init__(self, origins: Callable[[], Sequence[str]] = configured_origins) -> None:
        super().__init__(allow_headers=list(EXTRA_HEADERS), max_age=MAX_AGE_SECONDS)
        self._origins = origins

    def allowed_origin(self, extracted_origin: str) -> str | None:
        config = cors_for(tuple(self._origins()))
        return config.allowed_origin(extracted_origin) if config else None

    def to_dict(self, origin: str | None) -> dict[str, str]:
        config = cors_for(tuple(self._origins()))
        if config is None:
            return {}
        headers = config.to_dict(origin)
        if headers:
            # The answer depends on the Origin header: shared caches must key on it.
            headers["Vary"] = "Origin"
        return headers
