"""A small hand-written template: every kind of resource the cost model prices, a few of each."""

from __future__ import annotations

from typing import Any


def _alarm_math() -> dict[str, Any]:
    stats = [
        {
            "Id": name,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": name},
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }
        for name in ("a", "b", "c")
    ]
    return {"Metrics": [{"Id": "e", "Expression": "a + b + c", "ReturnData": True}, *stats]}


def _function(name: str, memory: int) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": f"strata-t-{name}",
            "MemorySize": memory,
            "Architectures": ["arm64"],
        },
    }


def opensearch_template(standby: str = "ENABLED") -> dict[str, Any]:
    """Environment ``t``: one collection (standby as given), indexes of 8 dimensions."""
    return {
        "Resources": {
            "Collection": {
                "Type": "AWS::OpenSearchServerless::Collection",
                "Properties": {"Name": "strata-t-vectors", "StandbyReplicas": standby},
            },
            "ChunksIndex": {
                "Type": "AWS::OpenSearchServerless::Index",
                "Properties": {
                    "Mappings": {
                        "Properties": {"embedding": {"Type": "knn_vector", "Dimension": 8}}
                    }
                },
            },
            **_platform(),
        }
    }


def s3vectors_template() -> dict[str, Any]:
    """Environment ``t`` on a vector bucket (with its own key) and two 8-dimension indexes."""
    return {
        "Resources": {
            "VectorsKey": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
            "VectorBucket": {
                "Type": "AWS::S3Vectors::VectorBucket",
                "Properties": {
                    "EncryptionConfiguration": {
                        "KmsKeyArn": {"Fn::GetAtt": ["VectorsKey", "Arn"]},
                        "SseType": "aws:kms",
                    }
                },
            },
            "Chunks": {"Type": "AWS::S3Vectors::Index", "Properties": {"Dimension": 8}},
            "Memories": {"Type": "AWS::S3Vectors::Index", "Properties": {"Dimension": 8}},
            **_platform(),
        }
    }


def _platform() -> dict[str, Any]:
    return {
        "KeyA": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
        "KeyB": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
        "MathAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": _alarm_math()},
        "CustomAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Namespace": "Strata",
                "MetricName": "ProcessingTimedOut",
                "Period": 1800,
            },
        },
        "Dashboard": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}},
        "WebAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {"Rules": [{"Name": "RateLimit"}, {"Name": "Common"}]},
        },
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
        "Realtime": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
        "ApiFunction": _function("api", 1024),
        "IngestFunction": _function("ingest", 2048),
        "StreamsFunction": _function("streams", 512),
        "MaintenanceFunction": _function("maintenance", 1024),
        "Schedule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "ScheduleExpression": "rate(1 hour)",
                "Targets": [{"Arn": {"Fn::GetAtt": ["MaintenanceFunction", "Arn"]}, "Id": "T"}],
            },
        },
        "QueueSource": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {"EventSourceArn": "arn:aws:sqs:us-east-1:1:q", "BatchSize": 5},
        },
        "StreamSource": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {"EventSourceArn": "arn:stream", "StartingPosition": "LATEST"},
        },
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
        "MainTable": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            },
        },
        "Documents": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "Glacier",
                            "Status": "Enabled",
                            "Transitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}],
                        },
                        {
                            "Id": "IA",
                            "Status": "Enabled",
                            "Transitions": [
                                {"StorageClass": "STANDARD_IA", "TransitionInDays": 30}
                            ],
                        },
                        {
                            "Id": "Temp",
                            "Status": "Enabled",
                            "Prefix": "temp/",
                            "ExpirationInDays": 1,
                        },
                    ]
                },
            },
        },
        "Plan": {
            "Type": "AWS::Backup::BackupPlan",
            "Properties": {
                "BackupPlan": {
                    "BackupPlanRule": [
                        {
                            "RuleName": "Daily",
                            "ScheduleExpression": "cron(0 2 * * ? *)",
                            "Lifecycle": {"DeleteAfterDays": 35},
                        }
                    ]
                }
            },
        },
        "Selection": {
            "Type": "AWS::Backup::BackupSelection",
            "Properties": {
                "BackupSelection": {"Resources": [{"Fn::GetAtt": ["MainTable", "Arn"]}]}
            },
        },
        "IngestPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyDocument": {"Statement": [{"Action": "textract:DetectDocumentText"}]}
            },
        },
    }
