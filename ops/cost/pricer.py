"""Shared pieces of the cost model: a line item, and the pricer every estimate part uses."""

from __future__ import annotations

from dataclasses import dataclass

from ops.cost.inventory import Bucket, Function, Inventory, Table
from ops.cost.prices import PriceTable
from ops.cost.schedules import DAYS_PER_MONTH
from ops.cost.workload import GB, Workload

DOCUMENTS = 1_000
SEARCHES = 10_000
SECONDS_PER_MONTH = 365 / 12 * 86_400
STORAGE_CLASS_PRICES = {
    "STANDARD": "s3.standard_gb_month",
    "STANDARD_IA": "s3.standard_ia_gb_month",
    "GLACIER_IR": "s3.glacier_ir_gb_month",
    "GLACIER": "s3.glacier_flexible_gb_month",
    "DEEP_ARCHIVE": "s3.deep_archive_gb_month",
}
TRANSITION_PRICES = {
    "STANDARD_IA": "s3.transition_ia_per_1000",
    "GLACIER_IR": "s3.transition_glacier_ir_per_1000",
}
CACHE_PRICES = {"0.5": "apigateway.cache_0_5gb_hour"}


@dataclass(frozen=True)
class LineItem:
    service: str
    item: str
    usd: float


class Pricer:
    """An inventory, the price table and the workload, with the items every part shares."""

    def __init__(self, inventory: Inventory, prices: PriceTable, workload: Workload) -> None:
        if inventory.vector_dimension is None:
            raise ValueError(f"{inventory.environment}: no vector index declares a dimension")
        self.inv = inventory
        self.p = prices
        self.w = workload
        self.dimension = inventory.vector_dimension
        self.hours = prices.hours_per_month

    # shared pieces
    def lambda_items(self, fn: Function | None, invocations: float, seconds: float) -> LineItem:
        if fn is None:
            return LineItem("Lambda", "no such function", 0.0)
        gb_seconds = invocations * seconds * fn.memory_mb / 1024
        usd = invocations * self.p["lambda.requests_per_million"] / 1e6
        usd += gb_seconds * self.p[f"lambda.{fn.arch.replace('-', '_')}_gb_second"]
        what = f"{fn.role}: {invocations:,.0f} invocations x {seconds:g} s x {fn.memory_mb} MB"
        return LineItem("Lambda", what, usd)

    def logs(self, invocations: float) -> LineItem:
        gigabytes = invocations * self.w.log_bytes_per_invocation / GB
        usd = gigabytes * self.p["cloudwatch.logs_ingest_gb"]
        return LineItem("CloudWatch Logs", f"ingest {gigabytes * 1024:,.2f} MB", usd)

    def retention_days(self) -> float:
        """How long logs are kept: the longest retention among the log groups (a year if any
        group keeps its logs forever, or if there are none)."""
        days = [group.retention_days for group in self.inv.log_groups]
        if not days or None in days:
            return 365.0
        return float(max(day for day in days if day is not None))

    def stored_logs(self, invocations_per_month: float) -> LineItem:
        """Logs written every month, at steady state under the retention of the log groups."""
        retention = self.retention_days()
        monthly = invocations_per_month * self.w.log_bytes_per_invocation / GB
        stored = monthly * retention / DAYS_PER_MONTH
        usd = stored * self.p["cloudwatch.logs_storage_gb_month"]
        what = f"{stored * 1024:,.2f} MB stored ({retention:g}-day retention)"
        return LineItem("CloudWatch Logs", what, usd)

    def traces(self, traces: float) -> list[LineItem]:
        if not any(fn.traced for fn in self.inv.functions):
            return []
        usd = traces * self.p["xray.traces_per_million"] / 1e6
        return [LineItem("X-Ray", f"{traces:,.0f} traces (tracing active)", usd)]

    def requests(self, count: float) -> list[LineItem]:
        items = [
            LineItem(
                "API Gateway",
                f"{count:,.0f} REST requests",
                count * self.p["apigateway.rest_per_million"] / 1e6,
            )
        ]
        if self.inv.web_acls:
            usd = count * self.p["waf.requests_per_million"] / 1e6
            items.append(LineItem("WAF", f"{count:,.0f} requests inspected", usd))
        return items

    def kms(self, count: float) -> LineItem:
        usd = count * self.p["kms.requests_per_10000"] / 10_000
        return LineItem("KMS", f"{count:,.0f} requests", usd)

    def main_table(self) -> Table | None:
        """The table documents live in: the one with a stream, else the first."""
        streamed = [table for table in self.inv.tables if table.stream]
        candidates = streamed or list(self.inv.tables)
        return candidates[0] if candidates else None

    def documents_bucket(self) -> Bucket | None:
        buckets = sorted(self.inv.buckets, key=lambda b: len(b.transitions), reverse=True)
        return buckets[0] if buckets else None
