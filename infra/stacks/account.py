"""strata-account: what API Gateway needs once per account and region, for every environment.

API Gateway writes the execution and access logs of every REST API in a region with one role,
named in the account's settings (``AWS::ApiGateway::Account``). Created by each environment's
API (CDK's legacy default), destroying dev would break logging for staging and prod in the same
account; so it lives here, once, retained, and the API stacks create none
(``cloud_watch_role=False``, feature flag ``@aws-cdk/aws-apigateway:disableCloudWatchRole``).
Deploy it before the first environment of an account and region (``make deploy`` does).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge, managed_policy

PUSH_TO_LOGS = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class AccountStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cloud_watch_role = iam.Role(
            self,
            "ApiGatewayCloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway writes the CloudWatch logs of every REST API in the region",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(PUSH_TO_LOGS)],
        )
        self.cloud_watch_role.apply_removal_policy(RemovalPolicy.RETAIN)
        acknowledge(
            self.cloud_watch_role,
            "IAM4",
            "API Gateway's account-level CloudWatch role needs the AWS managed push-to-logs "
            "policy (it writes the execution logs of every API in the account and region)",
            applies_to=managed_policy(PUSH_TO_LOGS),
        )
        self.api_gateway_account = apigw.CfnAccount(
            self, "ApiGatewayAccount", cloud_watch_role_arn=self.cloud_watch_role.role_arn
        )
        self.api_gateway_account.apply_removal_policy(RemovalPolicy.RETAIN)
