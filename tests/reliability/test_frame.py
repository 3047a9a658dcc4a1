"""The frame itself: the short/long switch refuses what it does not know, and the report puts the
recorded figures between its markers and nowhere else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reliability.frame import Reliability, read_mode, read_seed
from tests.reliability.report import BEGIN, END, Run, main, read_results, render, replace_results


def test_the_form_is_short_unless_asked_for_long_and_nothing_else_is_accepted() -> None:
    assert read_mode({}) == "short"
    assert read_mode({"RELIABILITY_FORM": "LONG"}) == "long"
    with pytest.raises(ValueError, match="RELIABILITY_FORM must be one of short, long"):
        read_mode({"RELIABILITY_FORM": "forever"})
    assert read_seed({}) == 15
    assert read_seed({"RELIABILITY_SEED": "7"}) == 7


def test_recorded_figures_end_up_in_the_document_between_the_markers(tmp_path: Path) -> None:
    # Given a run that recorded one figure and two outcomes
    results = tmp_path / "results.jsonl"
    frame = Reliability("long", 3, results, "tests/reliability/test_x.py::test_y")
    assert frame.pick(1, 50) == 50
    frame.record("3", "one item", injected="writers", volume="50 x 4", lost=0, successful=17)
    frame.record_outcome("tests/reliability/test_x.py::test_y", "passed", 1.5)
    frame.record_outcome("tests/reliability/test_x.py::test_z", "failed", 0.5)
    # And a document with text around the markers
    document = tmp_path / "RELIABILITY.md"
    document.write_text(f"# Title\n\n{BEGIN}\nold figures\n{END}\n\n## Next\n", encoding="utf-8")
    # When the report is written
    assert main([str(results), str(document)]) == 0
    # Then the figures replaced the old ones, and the text around them is unchanged
    text = document.read_text(encoding="utf-8")
    assert text.startswith(f"# Title\n\n{BEGIN}")
    assert text.endswith(f"{END}\n\n## Next\n")
    assert "old figures" not in text
    assert "| 3. concurrent writers | one item | writers | 50 x 4 | 0 | successful 17 |" in text
    assert "long form, seed 3: 1 tests passed, 1 failed; **0 lost in total**" in text
    assert "- `tests/reliability/test_x.py::test_z`" in text
    # And a suite that recorded nothing says so
    assert "| 8. restore drill | | not run | | | |" in text
    figures, outcomes = read_results(results)
    assert json.loads(json.dumps(figures[0]))["figures"] == {"successful": 17}
    assert len(outcomes) == 2


def test_the_report_refuses_a_document_without_markers() -> None:
    rendered = render([], [], Run(datetime(2026, 12, 3, tzinfo=UTC).isoformat(), "abc"))
    with pytest.raises(ValueError, match="no reliability results markers"):
        replace_results("# no markers here\n", rendered)
