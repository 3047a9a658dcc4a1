"""strata-{env}-monitoring: the alarm topic, the dashboard and the data alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.keys import rotating_key
from infra.constructs.operations import Operations
from infra.names import Names


class MonitoringStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        main_table: dynamodb.ITable,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key = rotating_key(
            self,
            "MonitoringKey",
            alias=Names(config.name).monitoring_key_alias,
            description=f"Strata {config.name}: alarm topic",
            retain=config.is_retained,
        )
        self.operations = Operations(self, "Operations", config=config, key=self.key)
        self.operations.watch_table("main", main_table)
