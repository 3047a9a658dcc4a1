"""strata-{env}-auth: the Cognito user pool, groups, app client and optional federated IdPs."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.user_directory import UserDirectory
from infra.names import OUTPUTS


class AuthStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.directory = UserDirectory(self, "Users", config=config)
        self.user_pool = self.directory.user_pool
        self.user_pool_client = self.directory.client
        CfnOutput(self, OUTPUTS["user_pool_id"], value=self.user_pool.user_pool_id)
