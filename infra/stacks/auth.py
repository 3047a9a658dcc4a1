"""strata-{env}-auth: the Cognito user pool, groups, app client and optional federated IdPs, and
the ``cognito`` trigger function (beside the pool: see :mod:`infra.constructs.account_triggers`)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.account_triggers import AccountTriggers
from infra.constructs.layers import SharedLayers
from infra.constructs.operations import Operations
from infra.constructs.resources import PlatformResources
from infra.constructs.user_directory import UserDirectory
from infra.names import OUTPUTS


class AuthStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        layers: SharedLayers,
        resources: PlatformResources,
        operations: Operations,
        **kwargs: Any,
    ) -> None:
        """``resources`` without a directory: the triggers take the pool from their events."""
        super().__init__(scope, construct_id, **kwargs)
        self.directory = UserDirectory(self, "Users", config=config)
        self.user_pool = self.directory.user_pool
        self.user_pool_client = self.directory.client
        self.triggers = AccountTriggers(
            self,
            "Triggers",
            config=config,
            user_pool=self.user_pool,
            layers=layers.for_stack(self),
            resources=resources,
        )
        self.triggers.monitor(operations)
        CfnOutput(self, OUTPUTS["user_pool_id"], value=self.user_pool.user_pool_id)
