"""Create the platform's resources in the emulator from the sources the stacks render.

Tables from :mod:`strata.schema` (keys, GSIs, TTL, stream), names from :class:`infra.names.Names`,
the user pool's password policy, groups and client from :mod:`infra.specs`, the ingest queue's
redrive count from :data:`infra.specs.MAX_RECEIVE_COUNT`, and the bucket's notification filter
from :mod:`infra.names` (``documents/`` ... ``original``), as the storage and ingest stacks
configure them.
"""

from __future__ import annotations

import json
from typing import Any

from infra.names import DOCUMENTS_PREFIX, ORIGINAL_SUFFIX, Names
from infra.specs import (
    ACCESS_TOKEN_VALIDITY_HOURS,
    GROUPS,
    ID_TOKEN_VALIDITY_HOURS,
    MAX_RECEIVE_COUNT,
    PASSWORD_POLICY,
    REFRESH_TOKEN_VALIDITY_DAYS,
    ROLE_ATTRIBUTE,
)
from local.aws import EmulatedAws
from local.config import LOCAL_VISIBILITY_SECONDS, Resources
from strata.schema import IDEMPOTENCY_TABLE, MAIN_TABLE, TABLES, create_table_kwargs

RETENTION_SECONDS = 14 * 24 * 3600


def provision(aws: EmulatedAws, names: Names) -> Resources:
    """Tables, bucket, queues and user pool; the bucket's notification comes later
    (:func:`subscribe_uploads`), once any saved objects are back, so they are not re-ingested."""
    _create_tables(aws, names)
    bucket = f"{names.documents_bucket_prefix}-local"
    _create_bucket(aws, bucket)
    queue_url, queue_arn, dlq_url = _create_queues(aws, names)
    # The streams function's on-failure destination (what retries could not handle).
    streams_dlq_url = aws.client("sqs").create_queue(
        QueueName=names.resource("streams-dlq"),
        Attributes={"MessageRetentionPeriod": str(RETENTION_SECONDS)},
    )["QueueUrl"]
    pool_id, client_id = _create_user_pool(aws, names)
    stream_arn = aws.client("dynamodb").describe_table(TableName=names.main_table)["Table"][
        "LatestStreamArn"
    ]
    return Resources(
        aws_endpoint=aws.endpoint,
        table_name=MAIN_TABLE.physical_name(names.env),
        idempotency_table_name=IDEMPOTENCY_TABLE.physical_name(names.env),
        bucket_name=bucket,
        queue_url=queue_url,
        queue_arn=queue_arn,
        dead_letter_queue_url=dlq_url,
        streams_dead_letter_queue_url=streams_dlq_url,
        user_pool_id=pool_id,
        client_id=client_id,
        stream_arn=str(stream_arn),
    )


def _create_tables(aws: EmulatedAws, names: Names) -> None:
    ddb = aws.client("dynamodb")
    for table in TABLES:
        name = table.physical_name(names.env)
        ddb.create_table(**create_table_kwargs(table, name))
        if table.ttl_attribute:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )


def _create_bucket(aws: EmulatedAws, bucket: str) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def subscribe_uploads(aws: EmulatedAws, resources: Resources) -> None:
    """Object-created events for ``documents/.../original`` keys go to the ingest queue."""
    aws.client("s3").put_bucket_notification_configuration(
        Bucket=resources.bucket_name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": resources.queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": DOCUMENTS_PREFIX},
                                {"Name": "suffix", "Value": ORIGINAL_SUFFIX},
                            ]
                        }
                    },
                }
            ]
        },
    )


def _create_queues(aws: EmulatedAws, names: Names) -> tuple[str, str, str]:
    sqs = aws.client("sqs")
    retention = {"MessageRetentionPeriod": str(RETENTION_SECONDS)}
    dlq_url = sqs.create_queue(QueueName=names.ingest_dead_letter_queue, Attributes=retention)[
        "QueueUrl"
    ]
    dlq_arn = _queue_arn(sqs, dlq_url)
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
    queue_url = sqs.create_queue(
        QueueName=names.ingest_queue,
        Attributes={
            **retention,
            "VisibilityTimeout": str(LOCAL_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    return queue_url, _queue_arn(sqs, queue_url), dlq_url


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _create_user_pool(aws: EmulatedAws, names: Names) -> tuple[str, str]:
    cognito = aws.client("cognito-idp")
    policy = PASSWORD_POLICY
    pool = cognito.create_user_pool(
        PoolName=names.user_pool,
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
        MfaConfiguration="OFF",
        Policies={
            "PasswordPolicy": {
                "MinimumLength": policy.min_length,
                "RequireUppercase": policy.require_uppercase,
                "RequireLowercase": policy.require_lowercase,
                "RequireNumbers": policy.require_digits,
                "RequireSymbols": policy.require_symbols,
                "TemporaryPasswordValidityDays": policy.temp_password_validity_days,
            }
        },
        Schema=[
            {
                "Name": ROLE_ATTRIBUTE,
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"},
            }
        ],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )["UserPool"]
    pool_id = str(pool["Id"])
    for group in GROUPS:
        cognito.create_group(
            GroupName=group.name,
            UserPoolId=pool_id,
            Precedence=group.precedence,
            Description=group.description,
        )
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=names.user_pool_client,
        GenerateSecret=False,
        # The app client allows SRP only; the password flow stands in for the hosted sign-in
        # page (POST /auth/login), which has no local equivalent.
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        ],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=True,
        AccessTokenValidity=ACCESS_TOKEN_VALIDITY_HOURS,
        IdTokenValidity=ID_TOKEN_VALIDITY_HOURS,
        RefreshTokenValidity=REFRESH_TOKEN_VALIDITY_DAYS,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
        ReadAttributes=[
            "email",
            "email_verified",
            "given_name",
            "family_name",
            f"custom:{ROLE_ATTRIBUTE}",
        ],
        WriteAttributes=["email", "given_name", "family_name"],
    )["UserPoolClient"]
    return pool_id, str(client["ClientId"])
