"""The cost model behind ``make cost`` (docs/COST.md)."""
