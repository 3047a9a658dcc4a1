"""Documents: S3 layout, presigned uploads, text extraction, chunking and the ingestion pipeline."""
