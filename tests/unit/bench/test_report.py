"""docs/PERFORMANCE.md is rendered from the bench's results files, never typed by hand."""

from __future__ import annotations

import json
from pathlib import Path

from bench.harness import Area, Figure
from bench.report import TEMPLATE, load_results, render
from bench.run import AREAS


def test_a_results_file_renders_as_a_table_with_its_provenance(tmp_path: Path) -> None:
    # Given a results file written by the harness, with one figure beside its peer
    area = Area("api", "API per route", method="Median of 3 rounds.")
    area.figures.append(
        Figure(
            key="api.recorded.get-one-session.raw",
            measure="GET one session (recorded)",
            ours=1.5,
            unit="ms",
            peer_name="raw boto3 handler",
            peer=0.5,
            target="<= 1.3x",
            load=(0.5, 0.4, 0.3),
        )
    )
    (tmp_path / "api.json").write_text(json.dumps(area.document()))
    template = (
        "# Performance\n\n## API\n\nProse kept as it is.\n\n<!-- area: api -->\n\n"
        "## Synth\n\n<!-- area: synth -->\n"
    )

    # When the report is rendered with a "before" figure for that key
    text = render(
        template,
        load_results(tmp_path),
        {"api.recorded.get-one-session.raw": "1.22 ms; raw boto3 0.50 ms (2.4x)"},
    )

    # Then the figure, its peer, the ratio, the before figure and the provenance are in the table,
    # the prose is kept, and an area without results says how to measure it
    document = area.document()
    row = next(line for line in text.splitlines() if line.startswith("| GET one session"))
    assert row.split(" | ")[1:8] == [
        "1.50 ms",
        "raw boto3 handler",
        "0.500 ms",
        "3.00x",
        "1.22 ms; raw boto3 0.50 ms (2.4x)",
        "<= 1.3x",
        "0.50",
    ]
    assert f"commit `{document['commit']}`" in text
    assert f"Python {document['python']}" in text
    assert "Median of 3 rounds." in text
    assert "Prose kept as it is." in text
    assert "Not measured yet: run `make bench AREA=synth`." in text
    assert "<!-- area:" not in text


def test_the_template_names_every_area_once() -> None:
    # Given the template docs/PERFORMANCE.md is generated from
    text = TEMPLATE.read_text()

    # Then every area make bench runs has exactly one place in it
    for area in AREAS:
        assert text.count(f"<!-- area: {area} -->") == 1, area
