"""The pagination secret can come from an SSM SecureString, as it does in AWS."""

from __future__ import annotations

import pytest

from strata.store.factory import token_secret
from tests.support.moto_server import MotoServer
from tests.support.settings import make_settings


def test_the_token_secret_is_read_from_ssm(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a SecureString parameter and boto3 pointed at the emulator
    moto_server.client("ssm").put_parameter(
        Name="/strata/test/token-secret",
        Value="from-ssm-0123456789",
        Type="SecureString",
        Overwrite=True,
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto_server.endpoint)

    # When the settings name it, Then its decrypted value is the secret
    settings = make_settings(token_secret_parameter="/strata/test/token-secret")
    assert token_secret(settings) == "from-ssm-0123456789"
