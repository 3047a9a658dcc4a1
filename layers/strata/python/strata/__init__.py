"""Strata's shared library: settings, schema, models, store and services used by every function."""
