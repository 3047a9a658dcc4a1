"""The ``cognito`` function as the user pool's post-confirmation and post-authentication triggers.

It lives in the auth stack, beside the pool: the pool names the function (its triggers) and the
function's policy names the pool (``AdminAddUserToGroup``). Across stacks that is a dependency
cycle. Inside one stack CloudFormation still refuses a cycle of resources: the function waits
for its role's default policy, so a pool statement there would make pool -> function -> policy
-> pool. The pool statement is therefore a policy resource of its own, which the function does
not wait for (it is in place before any user can sign up: the stack completes first).
The function gets no pool setting: the pool id comes with each trigger event.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.function import StrataFunction
from infra.constructs.function_alarms import function_alarms
from infra.constructs.layers import FunctionLayers
from infra.constructs.operations import Operations
from infra.constructs.resources import PlatformResources

NAME = "cognito"
# Cognito waits 5 s for a trigger; the function stops at the same point.
TIMEOUT = Duration.seconds(5)
PERIOD = Duration.minutes(5)
# Profile (GetItem; TransactWriteItems of two conditional puts), GENERAL membership (GetItem;
# TransactWriteItems of a conditional put and an update), login (UpdateItem). A transaction is
# authorized by the actions of its parts.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
POOL_ACTIONS = ("cognito-idp:AdminAddUserToGroup",)


class AccountTriggers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        user_pool: cognito.UserPool,
        layers: FunctionLayers,
        resources: PlatformResources,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = StrataFunction(
            self,
            "Function",
            config=config,
            name=NAME,
            layers=layers,
            settings=resources.settings(self),
            description="Cognito triggers: profile and GENERAL on sign-up, login count on sign-in",
            timeout=TIMEOUT,
        )
        live = self.function.live
        user_pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, live)
        user_pool.add_trigger(cognito.UserPoolOperation.POST_AUTHENTICATION, live)
        resources.main_table.grant(self.function.role, *TABLE_ACTIONS)
        self.pool_policy = iam.Policy(
            self,
            "PoolAccess",
            statements=[
                iam.PolicyStatement(actions=list(POOL_ACTIONS), resources=[user_pool.user_pool_arn])
            ],
        )
        self.function.role.attach_inline_policy(self.pool_policy)

    def monitor(self, operations: Operations) -> None:
        health = function_alarms(
            operations,
            self.function.function,
            NAME,
            period=PERIOD,
            label="cognito trigger",
            errors="A Cognito trigger failed: a sign-up confirmation or a sign-in was "
            "refused to the user",
            throttles="The Cognito trigger function was throttled: sign-ups or sign-ins failed",
        )
        errors, throttles = health.errors, health.throttles
        outcomes = [
            cloudwatch.Metric(
                namespace="Strata",
                metric_name=name,
                dimensions_map={"service": NAME},
                statistic="Sum",
                period=PERIOD,
            )
            for name in ("ProfilesCreated", "ConfirmationsRepeated", "LoginsRecorded")
        ]
        operations.add_widgets(
            cloudwatch.GraphWidget(title="cognito: sign-ups and sign-ins", left=outcomes),
            cloudwatch.GraphWidget(title="cognito: errors and throttles", left=[errors, throttles]),
        )
