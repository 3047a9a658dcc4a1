"""The idle month: what an environment costs with no requests and nothing stored."""

from __future__ import annotations

from ops.cost.pricer import CACHE_PRICES, SECONDS_PER_MONTH, LineItem, Pricer


# idle
def idle_items(pr: Pricer) -> list[LineItem]:
    inv, p = pr.inv, pr.p
    items = [vector_floor(pr)]
    keys = f"{inv.kms_keys} customer-managed keys"
    if inv.vector_keys:
        keys += f" ({inv.vector_keys} for the vector bucket)"
    items.append(LineItem("KMS", keys, inv.kms_keys * p["kms.key_month"]))
    items.append(
        LineItem(
            "CloudWatch",
            f"{inv.alarms} alarms analysing {inv.alarm_metrics} metrics (billed per metric)",
            inv.alarm_metrics * p["cloudwatch.alarm_month"],
        )
    )
    if inv.composite_alarms:
        usd = inv.composite_alarms * p["cloudwatch.composite_alarm_month"]
        items.append(LineItem("CloudWatch", f"{inv.composite_alarms} composite alarms", usd))
    items.append(
        LineItem(
            "CloudWatch",
            f"{inv.dashboards} dashboards",
            inv.dashboards * p["cloudwatch.dashboard_month"],
        )
    )
    if inv.custom_metrics:
        usd = len(inv.custom_metrics) * p["cloudwatch.custom_metric_month"]
        what = f"{len(inv.custom_metrics)} custom metrics alarmed on (published by scheduled runs)"
        items.append(LineItem("CloudWatch", what, usd))
    if inv.web_acls:
        usd = inv.web_acls * p["waf.web_acl_month"] + inv.web_acl_rules * p["waf.rule_month"]
        items.append(LineItem("WAF", f"{inv.web_acls} web ACL, {inv.web_acl_rules} rules", usd))
    if inv.secrets:
        usd = inv.secrets * p["secretsmanager.secret_month"]
        items.append(LineItem("Secrets Manager", f"{inv.secrets} secrets", usd))
    for size in inv.rest_cache_sizes_gb:
        if size not in CACHE_PRICES:
            raise KeyError(f"no price for an API cache of {size} GB")
        usd = pr.hours * p[CACHE_PRICES[size]]
        items.append(LineItem("API Gateway", f"{size} GB stage cache, always on", usd))
    items += scheduled_runs(pr)
    if inv.queue_pollers:
        polls = inv.queue_pollers * pr.w.queue_pollers_per_mapping
        requests = polls * SECONDS_PER_MONTH / pr.w.queue_poll_seconds
        usd = requests * p["sqs.standard_per_million"] / 1e6
        what = f"{inv.queue_pollers} queue sources long-polled by Lambda: {requests:,.0f} requests"
        items.append(LineItem("SQS", what, usd))
    tables = len(inv.tables)
    items.append(
        LineItem("DynamoDB", f"{tables} on-demand tables, no requests, nothing stored", 0.0)
    )
    items.append(LineItem("S3", f"{len(inv.buckets)} buckets, nothing stored", 0.0))
    items.append(LineItem("AWS Backup", f"{len(inv.backup_rules)} rules, nothing to copy", 0.0))
    if inv.websocket_apis:
        what = f"{inv.websocket_apis} WebSocket APIs, no connections, no messages"
        items.append(LineItem("API Gateway", what, 0.0))
    items.append(LineItem("Cognito", f"{inv.user_pools} user pools, no active users", 0.0))
    return items


def vector_floor(pr: Pricer) -> LineItem:
    inv, p = pr.inv, pr.p
    if inv.collections:
        standby = any(c.standby for c in inv.collections)
        ocus = p["aoss.min_ocus_standby" if standby else "aoss.min_ocus_no_standby"]
        what = (
            f"{len(inv.collections)} collection, standby replicas {'on' if standby else 'off'}:"
            f" {ocus:g} OCU x {pr.hours:g} h, always on"
        )
        return LineItem("OpenSearch Serverless", what, ocus * pr.hours * p["aoss.ocu_hour"])
    what = f"{inv.vector_buckets} vector bucket, {inv.vector_indexes} indexes, nothing stored"
    return LineItem("S3 Vectors", what, 0.0)


def scheduled_runs(pr: Pricer) -> list[LineItem]:
    items: list[LineItem] = []
    by_id = {fn.logical_id: fn for fn in pr.inv.functions}
    for schedule in pr.inv.schedules:
        for target in schedule.targets:
            fn = by_id.get(target)
            runs = schedule.runs_per_month
            seconds = pr.w.maintenance_seconds_per_run
            item = pr.lambda_items(fn, runs, seconds)
            items.append(LineItem(item.service, f"{item.item} ({schedule.expression})", item.usd))
            items.append(pr.logs(runs))
            items.append(pr.stored_logs(runs))
            items += pr.traces(runs)
    return items
