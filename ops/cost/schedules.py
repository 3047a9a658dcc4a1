"""How often a schedule fires: EventBridge and AWS Backup ``rate(...)`` and ``cron(...)``."""

from __future__ import annotations

import math
import re

DAYS_PER_MONTH = 365 / 12
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_MINUTES = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}


def runs_per_month(expression: str) -> float:
    """How often an EventBridge or AWS Backup schedule fires in an average month."""
    rate = _RATE.match(expression.strip())
    if rate:
        minutes = int(rate.group(1)) * _MINUTES[rate.group(2)]
        return DAYS_PER_MONTH * 1440 / minutes
    if expression.startswith("cron(") and expression.endswith(")"):
        return _cron_runs_per_month(expression[5:-1].split())
    raise ValueError(f"unsupported schedule expression {expression!r}")


def _cron_runs_per_month(fields: list[str]) -> float:
    if len(fields) != 6:
        raise ValueError(f"a cron expression has six fields, got {fields}")
    minute, hour, day_of_month, _month, day_of_week, _year = fields
    per_day = _values(minute, 60) * _values(hour, 24)
    if day_of_month not in ("*", "?"):
        return per_day * _values(day_of_month, 31)
    if day_of_week not in ("*", "?"):
        return per_day * _values(day_of_week, 7) * DAYS_PER_MONTH / 7
    return per_day * DAYS_PER_MONTH


def _values(field_text: str, span: int) -> int:
    if field_text in ("*", "?"):
        return span
    if "/" in field_text:
        start, step = field_text.split("/")
        first = 0 if start in ("*", "") else int(start)
        return math.ceil((span - first) / int(step))
    count = 0
    for part in field_text.split(","):
        if "-" in part and not part.startswith("-"):
            low, high = part.split("-")
            count += _position(high) - _position(low) + 1
        else:
            count += 1
    return count


def _position(value: str) -> int:
    days = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
    return days.index(value.upper()) if value.upper() in days else int(value)
