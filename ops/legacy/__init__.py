"""Importing a legacy SQLite database (seed 002's migration): analyze, map, convert, load."""
