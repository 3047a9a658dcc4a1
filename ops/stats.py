"""``strata stats``: activity analytics from one parallel Scan (1 request per 1 MB per
segment): users, sessions and messages per day, documents by status, processing times, the top
applications by usage. A table and a terminal chart; ``--png FILE`` draws them with matplotlib.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ops.console import console, progress
from ops.context import target_of
from ops.jsonl import scan_all
from strata.store.codec import Item

SERIES = {"USER": "users", "CHAT_SESSION": "sessions", "CHAT_MESSAGE": "messages"}
BAR = 40


@dataclass
class Figures:
    per_day: dict[str, Counter[date]] = field(
        default_factory=lambda: {name: Counter() for name in SERIES.values()}
    )
    documents: Counter[str] = field(default_factory=Counter)
    processing_seconds: list[float] = field(default_factory=list)
    usage: Counter[str] = field(default_factory=Counter)

    def add(self, item: Item) -> None:
        entity = str(item.get("entity", ""))
        created = _day(item.get("createdAt"))
        if entity in SERIES and created is not None:
            self.per_day[SERIES[entity]][created] += 1
        elif entity == "DOCUMENT":
            self.documents[str(item.get("status"))] += 1
            took = _seconds(item.get("uploadDate"), item.get("updatedAt"))
            if item.get("status") == "ready" and took is not None:
                self.processing_seconds.append(took)
        elif entity == "APP_USAGE":
            self.usage[str(item.get("appId"))] += int(item.get("requestCount", 0))

    def days(self, last: int) -> list[date]:
        today = datetime.now(UTC).date()
        return [today - timedelta(days=n) for n in range(last - 1, -1, -1)]


def _day(value: object) -> date | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _seconds(start: object, end: object) -> float | None:
    try:
        first = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        last = datetime.fromisoformat(str(end).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (last - first).total_seconds())


def show(figures: Figures, days: list[date]) -> None:
    table = RichTable(title=f"activity per day (last {len(days)} days)")
    table.add_column("day")
    for name in SERIES.values():
        table.add_column(name, justify="right")
    for day in days:
        table.add_row(day.isoformat(), *(f"{figures.per_day[n][day]:,}" for n in SERIES.values()))
    console.print(table)
    chart(figures.per_day["messages"], days, "messages per day")
    documents = RichTable(title="documents by status")
    documents.add_column("status")
    documents.add_column("documents", justify="right")
    for status, count in sorted(figures.documents.items()):
        documents.add_row(status, f"{count:,}")
    console.print(documents)
    times = figures.processing_seconds
    if times:
        ordered = sorted(times)
        p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
        console.print(
            f"processing time (upload to ready): median {statistics.median(times):.1f}"
            f" s, p90 {p90:.1f} s, max {ordered[-1]:.1f} s over {len(times)} document(s)"
        )
    apps = RichTable(title="top applications by requests")
    apps.add_column("application")
    apps.add_column("requests", justify="right")
    for app_id, count in figures.usage.most_common(10):
        apps.add_row(app_id, f"{count:,}")
    console.print(apps)


def chart(series: Counter[date], days: list[date], title: str) -> None:
    """A horizontal bar per day, in the terminal."""
    peak = max((series[d] for d in days), default=0) or 1
    console.print(f"[bold]{title}[/]")
    for day in days:
        width = round(series[day] / peak * BAR)
        console.print(f"{day.isoformat()} {'█' * width}{' ' * (BAR - width)} {series[day]:,}")


def plot(figures: Figures, days: list[date], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - heavy, and only for --png

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (activity, documents) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name in SERIES.values():
        activity.plot(days, [figures.per_day[name][d] for d in days], marker="o", label=name)
    activity.set_title("activity per day")
    activity.legend()
    activity.tick_params(axis="x", labelrotation=45)
    statuses = sorted(figures.documents)
    documents.bar(statuses, [figures.documents[s] for s in statuses])
    documents.set_title("documents by status")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def stats_command(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days to show")] = 14,
    png: Annotated[Path | None, typer.Option(help="Also draw the figures into this PNG")] = None,
) -> None:
    """Users, sessions and messages per day, documents by status, processing times, top apps."""
    target = target_of(ctx)
    figures = Figures()
    with progress() as bar:
        task = bar.add_task("reading items", total=None)
        for item in scan_all(target.bulk, 4):
            figures.add(item)
            bar.advance(task)
    window = figures.days(days)
    show(figures, window)
    if png is not None:
        plot(figures, window, png)
        console.print(f"plot written to {png}")
