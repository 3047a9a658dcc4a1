"""One verification check's outcome, shared by the environment and the data checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Check:
    """``ok`` None means not applicable here (e.g. AWS Backup on the local stack)."""

    area: str
    name: str
    ok: bool | None
    detail: str = ""
    fix: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return self.ok is False


def passed(area: str, name: str, detail: str = "") -> Check:
    return Check(area, name, True, detail)


def failed(area: str, name: str, detail: str, fix: Callable[[], str] | None = None) -> Check:
    return Check(area, name, False, detail, fix)


def not_applicable(area: str, name: str, detail: str) -> Check:
    return Check(area, name, None, detail)


def expect(area: str, name: str, ok: bool, detail: str) -> Check:
    return Check(area, name, ok, detail)
