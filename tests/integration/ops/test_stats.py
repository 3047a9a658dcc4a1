"""`strata stats`: the table, the terminal chart and the PNG."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from ops.cli import app
from ops.target import Target
from strata.models.applications import UsageIncrement
from tests.integration.ops.seed import ingest_document, seed

runner = CliRunner()


def test_stats_show_activity_documents_processing_and_top_applications(
    target: Target, tmp_path: Path
) -> None:
    # Given three users with a chat each (three messages), a ready document and app usage
    seed(target)
    ingest_document(target, "user-0", "herons", "Herons wade in shallow water hunting fish.")
    today = datetime.now(UTC).date()
    apps = target.repositories.applications
    apps.record_usage("busy-app", today, UsageIncrement(request_count=40))
    apps.record_usage("quiet-app", today, UsageIncrement(request_count=2))
    png = tmp_path / "stats.png"
    # When the statistics are drawn
    result = runner.invoke(
        app, ["stats", "--days", "3", "--png", str(png)], obj=target, terminal_width=200
    )
    # Then today's row counts 3 users, 3 sessions and 9 messages, the chart and the PNG exist
    assert result.exit_code == 0, result.output
    row = next(
        line for line in result.output.splitlines() if line.startswith("│ " + today.isoformat())
    )
    assert [cell.strip() for cell in row.strip("│").split("│")][1:] == ["3", "3", "9"]
    assert "messages per day" in result.output
    assert "█" * 40 in result.output
    assert "ready" in result.output
    assert "processing time" in result.output
    top = result.output.index("busy-app")
    assert top < result.output.index("quiet-app")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
