"""The production wiring of the Cognito triggers, built once per process on first use."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from strata.accounts.triggers import AccountTriggers
from strata.auth.directory import CognitoDirectory, UserDirectory
from strata.budget import budgeted
from strata.clock import Clock, SystemClock
from strata.config import Settings
from strata.store.factory import dynamodb_client
from strata.store.groups import GroupRepository
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from strata.store.users import UserRepository


def wire_account_triggers(table: Table, clock: Clock, cognito: Any) -> AccountTriggers:
    """The triggers over ``table`` and a ``cognito-idp`` client (tests pass moto-backed ones)."""

    def directory_for(pool_id: str) -> UserDirectory:
        return CognitoDirectory(cognito, pool_id)

    users = UserRepository(table, clock)
    return AccountTriggers(users, GroupRepository(table, clock), directory_for)


@lru_cache(maxsize=2)
def build_account_triggers(settings: Settings) -> AccountTriggers:
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    clock = SystemClock()
    # The triggers never page through results: a throwaway signing key spares a read of the
    # API's secret (one permission fewer). Cognito waits 5 s for a trigger: short timeouts.
    table = Table(
        dynamodb_client(settings.region),
        settings.table_name,
        TokenSigner(secrets.token_bytes(32)),
        clock,
    )
    config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1)
    cognito = budgeted(boto3.client("cognito-idp", region_name=settings.region, config=config))
    return wire_account_triggers(table, clock, cognito)
