"""Stand-ins for the WebSocket management API and the push metrics, shared by the tests."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from strata.realtime.push import ConnectionGone


@dataclass
class RecordingSender:
    """Frames per connection id; ids in ``gone`` answer 410, ids in ``broken`` fail otherwise."""

    frames: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)

    def send(self, connection_id: str, data: bytes) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        if connection_id in self.broken:
            raise RuntimeError("the management API answered 500")
        self.frames.setdefault(connection_id, []).append(json.loads(data))


@dataclass
class RecordingMetrics:
    counts: Counter[str] = field(default_factory=Counter)

    def count(self, name: str, value: int) -> None:
        self.counts[name] += value
