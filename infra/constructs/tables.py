"""A DynamoDB table rendered from a :class:`strata.schema.TableSchema`, the one source of truth."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge
from strata.schema import KeyAttribute, TableSchema

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY}
_STREAM_VIEWS = {"NEW_AND_OLD_IMAGES": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES}


def _attribute(key: KeyAttribute) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


class SchemaTable(Construct):
    """On-demand, encrypted (AWS-managed key), PITR by config, every key and index from schema.

    Functions in other stacks get access through :meth:`grant`, which names the table by a
    literal ARN (same account, known name) rather than a cross-stack import: the grantee's policy
    stays readable, its index wildcard acknowledgeable, and no export ties the stacks together.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schema: TableSchema,
        table_name: str,
        point_in_time_recovery: bool,
        deletion_protection: bool,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.schema = schema
        self.table_name = table_name
        self.table = self._build_table(
            table_name, point_in_time_recovery, deletion_protection, removal_policy
        )
        self._build_global_indexes()

    def _build_table(
        self,
        table_name: str,
        point_in_time_recovery: bool,
        deletion_protection: bool,
        removal_policy: RemovalPolicy,
    ) -> dynamodb.Table:
        schema = self.schema
        return dynamodb.Table(
            self,
            "Table",
            table_name=table_name,
            partition_key=_attribute(schema.partition_key),
            sort_key=_attribute(schema.sort_key) if schema.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=point_in_time_recovery
            ),
            deletion_protection=deletion_protection,
            time_to_live_attribute=schema.ttl_attribute,
            stream=_STREAM_VIEWS[schema.stream_view] if schema.stream_view else None,
            removal_policy=removal_policy,
        )

    def _build_global_indexes(self) -> None:
        for index in self.schema.global_indexes:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition_key),
                sort_key=_attribute(index.sort_key),
                projection_type=_PROJECTIONS[index.projection],
            )

    @property
    def arn(self) -> str:
        """The table's ARN, resolved in the stack that uses it."""
        return f"arn:{Aws.PARTITION}:dynamodb:{Aws.REGION}:{Aws.ACCOUNT_ID}:table/{self.table_name}"

    def grant_on_partitions(self, grantee: iam.IRole, *actions: str, partitions: str) -> None:
        """Let ``grantee`` call ``actions`` on the items whose partition key matches
        ``partitions`` (an IAM ``StringLike`` pattern such as ``CONN#*``) and on no other item."""
        grantee.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(actions),
                resources=[self.arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [partitions]}},
            )
        )

    def grant(self, grantee: iam.IRole, *actions: str, indexes: str | None = None) -> None:
        """Let ``grantee`` call ``actions`` on the table; given ``indexes`` (the reason it
        queries them), on its global secondary indexes too."""
        resources = [self.arn, f"{self.arn}/index/*"] if indexes else [self.arn]
        grantee.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=resources)
        )
        if indexes:
            acknowledge(
                grantee,
                "IAM5",
                f"{indexes}; the wildcard covers that table's indexes only",
                applies_to="Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:"
                f"<AWS::AccountId>:table/{self.table_name}/index/*",
            )
