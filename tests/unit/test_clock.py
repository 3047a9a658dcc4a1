"""Stored timestamps: fixed width, so that string order is time order, and aware only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strata.clock import ManualClock, format_timestamp


def test_timestamps_have_one_width_and_sort_like_time() -> None:
    # Given instants from the first millennium to now, one of them in another time zone
    instants = [
        datetime(499, 3, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 22, 3, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 11, 22, 2, 0, 0, 1, tzinfo=UTC),
    ]
    # When they are formatted
    texts = [format_timestamp(instant) for instant in instants]
    # Then every text has the same width, is UTC, and sorts in time order
    assert texts[0] == "0499-03-01T00:00:00.000000Z"
    assert texts[2] == "2026-11-22T01:00:00.000000Z"
    assert {len(text) for text in texts} == {27}
    assert sorted(texts) == [format_timestamp(i) for i in sorted(instants)]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(seconds=5)) == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)


def _strftime_reference(value: datetime) -> str:
    """The formatting before it was written field by field (strftime)."""
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"


@settings(max_examples=300)
@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-7, minutes=-30)), timezone(timedelta(hours=13))]
        ),
    )
)
def test_timestamps_are_formatted_as_strftime_formats_them(instant: datetime) -> None:
    # Given any aware instant, in UTC or another zone
    # When it is formatted; Then the text is what strftime gave, character for character
    assert format_timestamp(instant) == _strftime_reference(instant)
