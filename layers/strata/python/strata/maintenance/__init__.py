"""Scheduled maintenance: sweeps that end stuck documents, clean-ups, data-quality figures."""
