"""The price table kept in the repository (``prices.json``): each figure, its unit, its source."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_JSON = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    key: str
    value: float
    unit: str
    source: str
    confirmed: bool
    note: str = ""


@dataclass(frozen=True)
class PriceTable:
    region: str
    currency: str
    as_of: str
    hours_per_month: float
    note: str
    prices: Mapping[str, Price]

    def __getitem__(self, key: str) -> float:
        """The figure for ``key``; an unknown key is an error, never a silent zero."""
        try:
            return self.prices[key].value
        except KeyError:
            raise KeyError(f"no price {key!r} in the price table") from None

    def unconfirmed(self) -> list[Price]:
        return [price for price in self.prices.values() if not price.confirmed]


def parse_prices(document: Mapping[str, Any]) -> PriceTable:
    prices = {
        key: Price(
            key=key,
            value=float(entry["value"]),
            unit=str(entry["unit"]),
            source=str(entry["source"]),
            confirmed=bool(entry["confirmed"]),
            note=str(entry.get("note", "")),
        )
        for key, entry in document["prices"].items()
    }
    return PriceTable(
        region=str(document["region"]),
        currency=str(document["currency"]),
        as_of=str(document["as_of"]),
        hours_per_month=float(document["hours_per_month"]),
        note=str(document.get("note", "")),
        prices=prices,
    )


def load_prices(path: Path = PRICES_JSON) -> PriceTable:
    return parse_prices(json.loads(path.read_text(encoding="utf-8")))
