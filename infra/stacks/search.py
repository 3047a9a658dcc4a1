"""strata-{env}-search: the OpenSearch Serverless vector collection and its indexes."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.vector_collection import VectorCollection
from infra.names import OUTPUTS


class SearchStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vectors = VectorCollection(self, "Vectors", config=config)
        CfnOutput(self, OUTPUTS["collection_endpoint"], value=self.vectors.collection_endpoint)
