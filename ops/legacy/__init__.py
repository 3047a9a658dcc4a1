"""Importing a legacy SQLite database: analyze, map, convert, load."""
