"""The production wiring: built lazily, once per settings, and only with a signing secret."""

from __future__ import annotations

import pytest

from strata.config import Settings
from strata.store.factory import build_repositories, token_secret


def test_repositories_are_built_once_per_settings_without_network() -> None:
    # Given settings with a table and a secret
    settings = Settings(table_name="strata-unit-main", token_secret="unit-secret-0123456789")

    # When the repositories are asked for twice
    first = build_repositories(settings)
    second = build_repositories(settings)

    # Then one wiring is shared, on the configured table, with one table wrapper for all
    assert first is second
    assert first.table.name == "strata-unit-main"
    assert first.users._table is first.documents._table is first.table
    assert first.table.client.meta.config.retries["mode"] == "standard"


def test_a_missing_signing_secret_stops_the_wiring() -> None:
    with pytest.raises(RuntimeError, match="STRATA_TOKEN_SECRET"):
        token_secret(Settings())
