"""The production wiring: built lazily, once per settings, and only with a signing secret."""

from __future__ import annotations

import pytest

from strata.config import Settings
from strata.store.factory import build_repositories, token_secret
from tests.support.settings import make_settings


def test_repositories_are_built_once_per_settings_without_network() -> None:
    # Given settings with a table and a secret
    settings = make_settings(table_name="strata-unit-main", token_secret="unit-secret-0123456789")

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
        token_secret(make_settings())


def test_a_function_without_its_table_stops_naming_the_setting() -> None:
    # Given a function environment that names no table (no default names another environment's)
    environ = {"STRATA_BUCKET_NAME": "strata-x-documents", "STRATA_IDEMPOTENCY_TABLE_NAME": "i-x"}
    # When its settings are read, then it stops with the variable's name
    with pytest.raises(RuntimeError, match="STRATA_TABLE_NAME: Field required"):
        Settings.from_env(environ)
