"""strata-{env}-data: the main single table and the Powertools idempotency table."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.tables import SchemaTable
from infra.names import OUTPUTS, Names, Output
from strata.schema import IDEMPOTENCY_TABLE, MAIN_TABLE, TableSchema


def removal_policy(config: EnvironmentConfig) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if config.is_retained else RemovalPolicy.DESTROY


class DataStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = Names(config.name)
        self.main = self._build_table("Main", MAIN_TABLE, names.main_table, config)
        self.idempotency = self._build_table(
            "Idempotency", IDEMPOTENCY_TABLE, names.idempotency_table, config
        )
        self.main_table: dynamodb.Table = self.main.table
        self.idempotency_table: dynamodb.Table = self.idempotency.table
        # What the operations CLI reads to find this environment's tables.
        CfnOutput(self, OUTPUTS["table_name"], value=self.main_table.table_name)
        CfnOutput(self, Output.MAIN_TABLE_ARN, value=self.main_table.table_arn)
        CfnOutput(self, OUTPUTS["idempotency_table_name"], value=self.idempotency_table.table_name)

    def _build_table(
        self, construct_id: str, schema: TableSchema, table_name: str, config: EnvironmentConfig
    ) -> SchemaTable:
        return SchemaTable(
            self,
            construct_id,
            schema=schema,
            table_name=table_name,
            point_in_time_recovery=config.point_in_time_recovery,
            deletion_protection=config.deletion_protection,
            removal_policy=removal_policy(config),
        )
