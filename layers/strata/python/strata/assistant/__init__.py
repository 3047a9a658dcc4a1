"""Retrieval-augmented answers with citations (Bedrock Converse; a local extractive responder)."""
