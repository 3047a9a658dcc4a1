"""The OpenSearch Serverless vector collection, its three policy kinds and its indexes.

Data access is granted per grantee: :meth:`VectorCollection.grant_data_access` puts a data-access
policy and the IAM permission in the *grantee's* stack, so the search stack never references a
function role (which would make it depend on the stacks that depend on it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.names import BOOTSTRAP_QUALIFIER, Names
from strata.schema import HNSW_EF_SEARCH, VECTOR_INDEXES, VectorIndex

ALL_INDEXES: tuple[str, ...] = tuple(index.name for index in VECTOR_INDEXES)
# Resources that stage-wide tags must not reach: a tag change would replace them (create-only).
UNTAGGED_RESOURCE_TYPES: tuple[str, ...] = ("AWS::OpenSearchServerless::Collection",)
READ_PERMISSIONS: tuple[str, ...] = ("aoss:DescribeIndex", "aoss:ReadDocument")
WRITE_PERMISSIONS: tuple[str, ...] = (*READ_PERMISSIONS, "aoss:WriteDocument", "aoss:UpdateIndex")
DEPLOYER_PERMISSIONS: tuple[str, ...] = (
    "aoss:CreateIndex",
    "aoss:DeleteIndex",
    "aoss:UpdateIndex",
    "aoss:DescribeIndex",
)
# CloudFormation's Index resource accepts only these field types (its registry schema).
CFN_FIELD_TYPES: frozenset[str] = frozenset({"text", "knn_vector", "keyword", "integer"})
# Types it refuses but OpenSearch's dynamic mapping gives the first document's field exactly as
# strata.schema declares it: ISO-8601 strings become `date` (strict_date_optional_time) and JSON
# floats become `float`. The writers must send those shapes (docs/ARCHITECTURE.md).
DYNAMICALLY_MAPPED: dict[str, dict[str, Any]] = {
    "date": {"type": "date", "format": "strict_date_optional_time"},
    "float": {"type": "float"},
}
_SUPPORTED_KEYS = frozenset({"type", "analyzer", "dimension", "method"})


def index_mappings(
    properties: Mapping[str, Any], prefix: str = ""
) -> dict[str, aoss.CfnIndex.PropertyMappingProperty]:
    """Render OpenSearch mapping properties (from ``strata.schema``) as CfnIndex properties.

    Object fields become dotted names (``metadata.fileName``), which OpenSearch expands back
    into the object; date and float fields are left to dynamic mapping (see above). Anything
    else CloudFormation cannot express raises, rather than being silently dropped.
    """
    rendered: dict[str, aoss.CfnIndex.PropertyMappingProperty] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        nested = spec.get("properties")
        if nested is not None and spec.get("type", "object") == "object":
            rendered.update(index_mappings(nested, prefix=f"{path}."))
        elif spec.get("type") in CFN_FIELD_TYPES:
            rendered[path] = _property_mapping(path, spec)
        elif DYNAMICALLY_MAPPED.get(spec.get("type", "")) != dict(spec):
            raise ValueError(f"index field {path!r}: CfnIndex cannot express {dict(spec)}")
    return rendered


def dynamically_mapped_fields(properties: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted names of the fields :func:`index_mappings` leaves to dynamic mapping."""
    fields: list[str] = []
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if spec.get("properties") is not None:
            fields += dynamically_mapped_fields(spec["properties"], prefix=f"{path}.")
        elif spec.get("type") not in CFN_FIELD_TYPES:
            fields.append(path)
    return fields


def _property_mapping(path: str, spec: Mapping[str, Any]) -> aoss.CfnIndex.PropertyMappingProperty:
    unknown = set(spec) - _SUPPORTED_KEYS
    if unknown:
        raise ValueError(f"index field {path!r}: CfnIndex cannot express {sorted(unknown)}")
    method = spec.get("method")
    return aoss.CfnIndex.PropertyMappingProperty(
        type=spec["type"],
        analyzer=spec.get("analyzer"),
        dimension=spec.get("dimension"),
        method=_method(method) if method else None,
    )


def _method(method: Mapping[str, Any]) -> aoss.CfnIndex.MethodProperty:
    parameters = method.get("parameters", {})
    return aoss.CfnIndex.MethodProperty(
        name=method["name"],
        engine=method.get("engine"),
        space_type=method.get("space_type"),
        parameters=aoss.CfnIndex.ParametersProperty(
            ef_construction=parameters.get("ef_construction"), m=parameters.get("m")
        ),
    )


class VectorCollection(Construct):
    """A VECTORSEARCH collection with the ``chunks`` and ``memories`` indexes."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = Names(config.name)
        self.collection_name = self._names.collection
        encryption = self._build_encryption_policy()
        network = self._build_network_policy()
        self.collection = self._build_collection()
        self.collection.node.add_dependency(encryption)
        self.collection.node.add_dependency(network)
        deployer_access = self._build_deployer_access_policy()
        self.indexes = {
            index.name: self._build_index(index, deployer_access) for index in VECTOR_INDEXES
        }

    @property
    def store(self) -> str:
        return "opensearch"

    def settings(self) -> dict[str, str]:
        """The functions' ``STRATA_*`` settings that point them at this backend."""
        return {
            "STRATA_VECTOR_INDEX": "opensearch",
            "STRATA_COLLECTION_ENDPOINT": self.collection_endpoint,
        }

    def outputs(self) -> dict[str, str]:
        return {"collection_endpoint": self.collection_endpoint}

    @property
    def collection_arn(self) -> str:
        return self.collection.attr_arn

    @property
    def collection_endpoint(self) -> str:
        return self.collection.attr_collection_endpoint

    def _collection_rule(self) -> dict[str, Any]:
        return {"ResourceType": "collection", "Resource": [f"collection/{self.collection_name}"]}

    def _build_encryption_policy(self) -> aoss.CfnSecurityPolicy:
        policy = {"Rules": [self._collection_rule()], "AWSOwnedKey": True}
        return aoss.CfnSecurityPolicy(
            self,
            "EncryptionPolicy",
            name=self._names.encryption_policy,
            type="encryption",
            policy=json.dumps(policy),
        )

    def _build_network_policy(self) -> aoss.CfnSecurityPolicy:
        # Dashboards are never exposed. The collection endpoint is public: every request must be
        # SigV4-signed by a role a data-access policy names. A VPC-only collection is refused by
        # the config until the functions and the index creation have a path into the VPC.
        rule: dict[str, Any] = {"Rules": [self._collection_rule()], "AllowFromPublic": True}
        return aoss.CfnSecurityPolicy(
            self,
            "NetworkPolicy",
            name=self._names.network_policy,
            type="network",
            policy=json.dumps([rule]),
        )

    def _build_collection(self) -> aoss.CfnCollection:
        """Name, type, standby replicas and tags are create-only: changing one replaces the
        collection and drops every vector. So the collection carries no tags (the stage's tags
        exclude it, see :data:`UNTAGGED_RESOURCE_TYPES`), is retained (also on replacement: a
        replacing update then fails on the taken name instead of dropping the data) and has
        deletion protection where the environment retains data."""
        retained = self._config.is_retained
        collection = aoss.CfnCollection(
            self,
            "Collection",
            name=self.collection_name,
            type="VECTORSEARCH",
            description=f"Strata {self._config.name}: document chunk and memory embeddings",
            standby_replicas="ENABLED" if self._config.aoss_standby_replicas else "DISABLED",
            deletion_protection=(
                "ENABLED" if retained and self._config.deletion_protection else "DISABLED"
            ),
        )
        collection.apply_removal_policy(RemovalPolicy.RETAIN if retained else RemovalPolicy.DESTROY)
        return collection

    def _build_deployer_access_policy(self) -> aoss.CfnAccessPolicy:
        # CloudFormation creates the indexes with the CDK bootstrap's execution role.
        deployer = Fn.sub(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-"
            + BOOTSTRAP_QUALIFIER
            + "-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"
        )
        return data_access_policy(
            self,
            "DeployerAccessPolicy",
            policy_name=self._names.deployer_access_policy,
            collection_name=self.collection_name,
            principals=[deployer],
            index_permissions=DEPLOYER_PERMISSIONS,
            description="CloudFormation creates and updates the vector indexes",
        )

    def _build_index(self, index: VectorIndex, access: aoss.CfnAccessPolicy) -> aoss.CfnIndex:
        cfn_index = aoss.CfnIndex(
            self,
            f"{index.name.capitalize()}Index",
            collection_endpoint=self.collection_endpoint,
            index_name=index.name,
            mappings=aoss.CfnIndex.MappingsProperty(
                properties=index_mappings(index.mapping_properties(self._config.vector_dimension))
            ),
            settings=aoss.CfnIndex.IndexSettingsProperty(
                index=aoss.CfnIndex.IndexProperty(knn=True, knn_algo_param_ef_search=HNSW_EF_SEARCH)
            ),
        )
        cfn_index.node.add_dependency(access)
        return cfn_index

    def grant_data_access(
        self,
        grantee: iam.IRole,
        *,
        grantee_name: str,
        write: bool = False,
        indexes: Sequence[str] = ALL_INDEXES,
        sweep: bool = False,
    ) -> aoss.CfnAccessPolicy:
        """Let ``grantee`` read (and with ``write``, write) the named ``indexes`` only.

        The data-access policy and the IAM statement are created in the grantee's stack.
        ``grantee_name`` is short (``api``, ``ingest``): it names the policy. ``sweep`` (listing
        every vector) needs nothing more here: reading covers it.
        """
        del sweep
        unknown = {name for name in indexes if name not in self.indexes}
        if unknown or not indexes:
            raise ValueError(f"unknown vector indexes {sorted(unknown)}; known: {ALL_INDEXES}")
        scope = Stack.of(grantee)
        permissions = WRITE_PERMISSIONS if write else READ_PERMISSIONS
        policy = data_access_policy(
            scope,
            f"VectorAccess{grantee_name.capitalize()}",
            policy_name=self._names.access_policy(grantee_name),
            collection_name=self.collection_name,
            principals=[grantee.role_arn],
            index_permissions=permissions,
            description=f"{grantee_name} function: {'read/write' if write else 'read'}",
            indexes=indexes,
        )
        grantee.add_to_principal_policy(
            iam.PolicyStatement(actions=["aoss:APIAccessAll"], resources=[self.collection_arn])
        )
        return policy


def data_access_policy(
    scope: Construct,
    construct_id: str,
    *,
    policy_name: str,
    collection_name: str,
    principals: Sequence[str],
    index_permissions: Sequence[str],
    description: str,
    indexes: Sequence[str] = ("*",),
) -> aoss.CfnAccessPolicy:
    """One data-access policy: the principals get ``index_permissions`` on ``indexes`` (every
    index by default)."""
    document = [
        {
            "Rules": [
                {
                    "ResourceType": "collection",
                    "Resource": [f"collection/{collection_name}"],
                    "Permission": ["aoss:DescribeCollectionItems"],
                },
                {
                    "ResourceType": "index",
                    "Resource": [f"index/{collection_name}/{name}" for name in indexes],
                    "Permission": list(index_permissions),
                },
            ],
            "Principal": list(principals),
            "Description": description,
        }
    ]
    return aoss.CfnAccessPolicy(
        scope,
        construct_id,
        name=policy_name,
        type="data",
        policy=Stack.of(scope).to_json_string(document),
    )
