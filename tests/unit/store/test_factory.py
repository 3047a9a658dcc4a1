"""The production wiring: built lazily, once per settings, and only with a signing secret."""

from __future__ import annotations

import pytest

from strata.config import Settings
from strata.store.factory import build_repositories, token_secret, token_signer
from strata.store.tokens import TokenSigner, binding_for
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


def test_a_secret_kept_in_ssm_is_read_by_the_first_token(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given settings naming an SSM parameter (as in AWS), and its read recorded
    reads: list[str] = []

    def read(settings: Settings) -> str:
        reads.append(settings.token_secret_parameter)
        return "from-ssm-0123456789"

    monkeypatch.setattr("strata.store.factory.token_secret", read)
    # When the signer is built (with the table, on a container's first request)
    signer = token_signer(make_settings(token_secret_parameter="/strata/test/token-secret"))
    # Then nothing is read yet
    assert reads == []
    # And the first token reads it, once, and signs with it
    binding = binding_for("t", None, ["USER#a"], forward=True)
    token = signer.encode({"SK": "x"}, binding)
    assert TokenSigner("from-ssm-0123456789").decode(token, binding) == {"SK": "x"}
    assert signer.decode(token, binding) == {"SK": "x"}
    assert reads == ["/strata/test/token-secret"]


def test_a_missing_signing_secret_stops_the_signer() -> None:
    with pytest.raises(RuntimeError, match="STRATA_TOKEN_SECRET"):
        token_signer(make_settings())
