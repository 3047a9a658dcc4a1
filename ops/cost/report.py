"""Render estimates: a plain-text report for the terminal and docs/COST.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ops.cost.model import Estimate
from ops.cost.pricer import DOCUMENTS, SEARCHES, LineItem
from ops.cost.prices import PriceTable
from ops.cost.workload import Workload

PARTS: tuple[tuple[str, str], ...] = (
    ("idle", "idle, per month"),
    ("ingest", f"ingesting {DOCUMENTS:,} documents, once"),
    ("holding", f"holding {DOCUMENTS:,} documents, per month"),
    ("searches", f"{SEARCHES:,} searches"),
    ("answers", f"answering {SEARCHES:,} searches with the model, on top"),
    ("streamed", f"streaming those {SEARCHES:,} answers over the WebSocket, on top"),
)
SHORT = (
    "idle/month",
    f"ingest {DOCUMENTS:,} docs",
    f"hold {DOCUMENTS:,} docs/month",
    f"{SEARCHES:,} searches",
    f"{SEARCHES:,} answers",
    f"{SEARCHES:,} streamed",
)


READING = """
## Reading the figures

- **Idle** is a month with no requests and nothing stored: what an environment costs by
  existing. On OpenSearch Serverless it is dominated by the collection's minimum OCUs, billed
  around the clock whether or not anyone searches (1 OCU with standby replicas off, 2 with them
  on, at the OCU-hour price). On S3 Vectors the vector store costs nothing idle; what is left is
  KMS keys, alarms (billed per metric they read: a metric-math alarm over nine DynamoDB
  operations is nine alarm metrics), the dashboard, the WAF web ACL and its rules, the token
  secret, the hourly or half-hourly maintenance run and Lambda's long-polling of the ingest queue.
- **One floor per environment** assumes each environment has its own account (or key). The
  collections use AWS-owned keys, and OpenSearch Serverless shares OCUs between the collections of
  one account and region with the same key: environments deployed together pay one floor, at the
  highest standby setting among them.
- **Ingesting 1,000 documents** is once; **holding** them is per month, averaged over the first
  months (the lifecycle moves uploads of 128 KB or more to Standard-IA after 30 days and to
  Glacier Instant Retrieval after 90; smaller artifacts stay in Standard), with the backup plan's
  copies: every DynamoDB backup is a full copy, so the daily, weekly and monthly rules keep about
  60 copies of the table; S3 backups are incremental.
- **Searches** on OpenSearch Serverless cost nothing beyond the floor until the load needs more
  OCUs (not modelled: the scaling depends on traffic shape). On S3 Vectors each query is billed
  per request and per data processed, which grows with the number of vectors in the index
  (`corpus_documents` below), not with the caller's filter.
- **Streamed answers** are what the WebSocket API adds when the answers go over the socket
  (the realtime function): its run while the model streams, every frame as one message (each
  is under 32 KB, the billing increment: the question in, one delta per model delta, `done`,
  and the stream's pushes of the stored question and answer, to one live connection), the
  connection-minutes and the `$connect` token checks. The API itself costs nothing idle; its
  alarms, its access-log key and its log groups are in the idle month with the rest.
- **The anchors' shape** is the source designs' default deployment (the AI assistant's storage
  design): one OpenSearch Serverless vector collection with standby replicas on (the service
  default), priced with the rest of each environment unchanged, so the difference between the
  two is the vector store alone.
- Not modelled: data transfer out, free tiers (shared by everything in an account), OCU
  scale-out under load and as the vector graphs outgrow the minimum OCUs' memory, S3 noncurrent
  versions (expired after 30 days), and the next-generation OpenSearch Serverless that AWS
  announced in 2026 with scale-to-zero compute (the templates declare classic collections).
  Figures marked "no" under confirmed in the price table could not be confirmed from a public page
  on the table's date.
"""


@dataclass(frozen=True)
class Report:
    """Everything ``make cost`` prints and writes: each environment beside its alternatives."""

    prices: PriceTable
    workload: Workload
    environments: Sequence[Estimate]
    anchors: Sequence[Estimate]
    dev_before: Estimate | None
    dev_after: Estimate | None
    source: str
    dimensions: str


def usd(value: float) -> str:
    if value == 0:
        return "0.00"
    if abs(value) < 0.01:
        return f"{value:.4f}"
    return f"{value:,.2f}"


def totals(estimate: Estimate) -> list[float]:
    return [Estimate.total(getattr(estimate, part)) for part, _ in PARTS]


def _label(estimate: Estimate) -> str:
    return f"{estimate.environment} ({estimate.shape}, {estimate.vector_store})"


def render_text(report: Report) -> str:
    p = report.prices
    lines = [
        f"Strata cost model: {p.region} list prices as of {p.as_of} ({p.currency}), "
        f"templates from {report.source}",
        "",
    ]
    for estimate in [*report.environments, *report.anchors]:
        lines.append(f"== {_label(estimate)}")
        for part, title in PARTS:
            items: tuple[LineItem, ...] = getattr(estimate, part)
            lines.append(f"  {title}: {usd(Estimate.total(items))}")
            lines += [f"    {i.service:<22} {i.item:<78} {usd(i.usd):>10}" for i in items]
        lines.append("")
    lines.append(_text_summary(report))
    return "\n".join(lines) + "\n"


def _text_summary(report: Report) -> str:
    header = f"{'estimate':<46}" + "".join(f"{title:>22}" for title in SHORT)
    rows = [header]
    for estimate in _summary_rows(report):
        rows.append(f"{_label(estimate):<46}" + "".join(f"{usd(t):>22}" for t in totals(estimate)))
    return "\n".join(rows)


def _summary_rows(report: Report) -> list[Estimate]:
    rows: list[Estimate] = []
    anchors = {estimate.environment: estimate for estimate in report.anchors}
    for estimate in report.environments:
        rows.append(estimate)
        if estimate.environment in anchors:
            rows.append(anchors[estimate.environment])
    return rows


def render_markdown(report: Report) -> str:
    p = report.prices
    out = [
        "# Cost",
        "",
        "Generated by `make cost` from the synthesized templates: do not edit by hand; change",
        "`ops/cost/` or its price table `ops/cost/prices.json` and run it again.",
        f"Prices: **{p.region}**, list prices as of **{p.as_of}**, {p.currency}, on demand,",
        "without free tiers. Each environment is priced from what its templates provision",
        "(resource types, counts and properties); how it is used comes from the workload",
        "assumptions below.",
        "",
        "## Summary",
        "",
        "| estimate | " + " | ".join(title for _, title in PARTS) + " |",
        "|---|" + "---:|" * len(PARTS),
    ]
    for estimate in _summary_rows(report):
        cells = " | ".join(usd(t) for t in totals(estimate))
        out.append(f"| {_label(estimate)} | {cells} |")
    out += _before_after(report)
    out += READING.splitlines()
    for estimate in [*report.environments, *report.anchors]:
        out += _items(estimate)
    out += _assumptions(report.workload, report.dimensions)
    out += _price_table(p)
    return "\n".join(out) + "\n"


def _before_after(report: Report) -> list[str]:
    before, after = report.dev_before, report.dev_after
    if before is None or after is None:
        return []
    lines = [
        "",
        "## dev before and after S3 Vectors",
        "",
        "| dev | " + " | ".join(title for _, title in PARTS) + " |",
        "|---|" + "---:|" * len(PARTS),
    ]
    for estimate in (before, after):
        cells = " | ".join(usd(t) for t in totals(estimate))
        lines.append(f"| {estimate.shape} ({estimate.vector_store}) | {cells} |")
    return lines


def _items(estimate: Estimate) -> list[str]:
    lines = ["", f"## {_label(estimate)}"]
    for part, title in PARTS:
        items: tuple[LineItem, ...] = getattr(estimate, part)
        lines += [
            "",
            f"{title}: **{usd(Estimate.total(items))}**",
            "",
            "| service | item | USD |",
            "|---|---|---:|",
        ]
        lines += [f"| {i.service} | {i.item} | {usd(i.usd)} |" for i in items]
    return lines


def _assumptions(workload: Workload, dimensions: str) -> list[str]:
    lines = [
        "",
        "## Workload assumptions",
        "",
        f"Vector dimension ({dimensions}): read from the templates' vector indexes.",
        "Every other figure is an assumption of `ops/cost/workload.py`:",
        "",
        "| assumption | value | what it is |",
        "|---|---:|---|",
    ]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in workload.rows()]
    return lines


def _price_table(prices: PriceTable) -> list[str]:
    lines = [
        "",
        f"## Price table ({prices.region}, {prices.as_of})",
        "",
        prices.note,
        "",
        "| key | value | unit | source | confirmed |",
        "|---|---:|---|---|---|",
    ]
    for price in prices.prices.values():
        note = f" ({price.note})" if price.note else ""
        confirmed = "yes" if price.confirmed else "no"
        lines.append(
            f"| {price.key} | {price.value:g} | {price.unit}{note} | {price.source} | {confirmed} |"
        )
    return lines
