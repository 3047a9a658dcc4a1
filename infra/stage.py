"""One Stage per environment: ``strata-{env}`` with its stacks ``strata-{env}-<concern>``."""

from __future__ import annotations

import dataclasses

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.account_triggers import AccountTriggers
from infra.constructs.layers import SharedLayers
from infra.constructs.resources import PlatformResources
from infra.constructs.vector_collection import UNTAGGED_RESOURCE_TYPES
from infra.names import PROJECT, Names
from infra.stacks.api import ApiStack
from infra.stacks.auth import AuthStack
from infra.stacks.backup import BackupStack
from infra.stacks.data import DataStack
from infra.stacks.ingest import IngestStack
from infra.stacks.maintenance import MaintenanceStack
from infra.stacks.monitoring import MonitoringStack
from infra.stacks.realtime import RealtimeStack
from infra.stacks.search import SearchStack
from infra.stacks.storage import StorageStack
from infra.stacks.streams import StreamsStack


class StrataStage(Stage):
    """The platform of one environment: the resource stacks, then the stacks with functions.

    Every stack is wired here with explicit arguments (no stack reaches into the stage). The
    resources functions use are gathered once into :class:`PlatformResources`; a stack with a
    function receives it with the shared layers and the operations dashboard. Adding a function
    is described in docs/CONTRIBUTING.md.
    """

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        names = Names(config.name)
        super().__init__(
            scope,
            names.stage,
            stage_name=names.stage,
            env=Environment(account=config.account, region=config.region),
        )
        self.config = config
        # Stacks with functions get their layers here: self.layers.for_stack(stack).
        self.layers = SharedLayers(config.name)
        self.data = DataStack(self, "data", config=config, stack_name=names.stack("data"))
        self.storage = StorageStack(
            self, "storage", config=config, stack_name=names.stack("storage")
        )
        self.search = SearchStack(self, "search", config=config, stack_name=names.stack("search"))
        self.auth = AuthStack(self, "auth", config=config, stack_name=names.stack("auth"))
        self.backup = BackupStack(
            self,
            "backup",
            config=config,
            stack_name=names.stack("backup"),
            main_table=self.data.main_table,
            idempotency_table=self.data.idempotency_table,
            documents_bucket=self.storage.bucket,
        )
        self.monitoring = MonitoringStack(
            self,
            "monitoring",
            config=config,
            stack_name=names.stack("monitoring"),
            main_table=self.data.main_table,
        )
        self.resources = PlatformResources(
            config=config,
            main_table=self.data.main,
            idempotency_table=self.data.idempotency,
            documents=self.storage.documents,
            ingest_queue=self.storage.ingest,
            vectors=self.search.vectors,
            directory=self.auth.directory,
        )
        operations = self.monitoring.operations
        self.ingest = IngestStack(
            self,
            "ingest",
            config=config,
            stack_name=names.stack("ingest"),
            layers=self.layers,
            resources=self.resources,
            operations=operations,
        )
        self.api = ApiStack(
            self,
            "api",
            config=config,
            stack_name=names.stack("api"),
            layers=self.layers,
            resources=self.resources,
            operations=operations,
        )
        # The pool's own triggers live beside it (else pool and function reference each other
        # across stacks) and take the pool id from each event, not from a setting.
        self.triggers = AccountTriggers(
            self.auth,
            "Triggers",
            config=config,
            user_pool=self.auth.user_pool,
            layers=self.layers.for_stack(self.auth),
            resources=dataclasses.replace(self.resources, directory=None),
        )
        self.triggers.monitor(operations)
        self.maintenance = MaintenanceStack(
            self,
            "maintenance",
            config=config,
            stack_name=names.stack("maintenance"),
            layers=self.layers,
            resources=self.resources,
            operations=operations,
        )
        self.realtime = RealtimeStack(
            self,
            "realtime",
            config=config,
            stack_name=names.stack("realtime"),
            layers=self.layers,
            resources=self.resources,
            operations=operations,
        )
        # The streams function pushes to the WebSocket API's connections (streams -> realtime).
        self.streams = StreamsStack(
            self,
            "streams",
            config=config,
            stack_name=names.stack("streams"),
            layers=self.layers,
            resources=self.resources,
            operations=operations,
            realtime=self.realtime,
        )
        # Not on the vector collection: its tags are create-only (a tag edit would replace it).
        for key, value in (("project", PROJECT), ("environment", config.name)):
            Tags.of(self).add(key, value, exclude_resource_types=list(UNTAGGED_RESOURCE_TYPES))
