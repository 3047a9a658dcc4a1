"""strata-{env}-search: the vector store of the environment, as ``vector_store`` in cdk.json
says: an OpenSearch Serverless collection or an Amazon S3 Vectors bucket, with their indexes."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.vector_store import VectorStore, build_vector_store
from infra.names import OUTPUTS


class SearchStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vectors: VectorStore = build_vector_store(self, "Vectors", config=config)
        for setting, value in self.vectors.outputs().items():
            CfnOutput(self, OUTPUTS[setting], value=value)
