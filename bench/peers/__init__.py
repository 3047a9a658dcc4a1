"""The peers the bench measures Strata against: the smallest honest handler doing the same job."""
