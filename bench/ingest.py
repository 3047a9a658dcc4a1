"""Ingestion benchmarks, each side by side with its peer in one run.

1. Chunking throughput (MB/s): Strata's structure-aware chunker vs LangChain's
   RecursiveCharacterTextSplitter at the same size (300 tokens ~ 1,200 characters, 15% overlap).
2. PDF text extraction (pages/s): pypdfium2 (what Strata uses) vs pypdf.
3. The whole pipeline for one document over in-process S3 (moto) with a simulated Bedrock that
   takes 20 ms per embedding, through the real Titan embedder at concurrency 1 and 8.

Run: ``make bench`` (or ``.venv/bin/python bench/ingest.py``). Figures vary with the machine; the
ratios are the point. Nothing here runs in ``make test``.
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "strata" / "python")]

import boto3  # noqa: E402
from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402
from moto import mock_aws  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from strata.clock import ManualClock  # noqa: E402
from strata.config import Settings  # noqa: E402
from strata.documents.chunking import ChunkingOptions, chunk_text  # noqa: E402
from strata.documents.extract import extract  # noqa: E402
from strata.documents.layout import DocumentKeys  # noqa: E402
from strata.documents.pipeline import IngestionPipeline, S3ObjectRef  # noqa: E402
from strata.documents.text import ExtractionLimits  # noqa: E402
from strata.search.bedrock import BedrockTitanEmbedder  # noqa: E402
from strata.search.local import LocalVectorIndex  # noqa: E402
from tests.fixtures.documents import pdf_bytes  # noqa: E402
from tests.fixtures.ingestion import InMemoryLedger  # noqa: E402

LIMITS = ExtractionLimits(max_pages=10_000, max_chars=50_000_000, max_uncompressed_bytes=1)
EMBED_LATENCY_SECONDS = 0.020
DIMENSION = 256
BUCKET = "bench-documents"
_VOCABULARY = tuple(
    " ".join(
        (
            "data platform vector index search document chunk embedding model query user answer",
            "citation page section heading paragraph sentence token overlap bound latency",
            "throughput queue event bucket table stream backup restore region account policy",
        )
    ).split()
)


def synthetic_text(target_chars: int, seed: int = 7) -> str:
    """Paragraphs of sentences of words, with a heading now and then (deterministic)."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < target_chars:
        if rng.random() < 0.1:
            part = " ".join(rng.choices(_VOCABULARY, k=3)).title()
        else:
            sentences = (
                " ".join(rng.choices(_VOCABULARY, k=rng.randint(6, 24))).capitalize() + "."
                for _ in range(rng.randint(2, 8))
            )
            part = " ".join(sentences)
        parts.append(part)
        size += len(part) + 2
    return "\n\n".join(parts)


def best_of(runs: int, action: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def bench_chunking() -> list[tuple[str, str, str]]:
    text = synthetic_text(4_000_000)
    megabytes = len(text.encode()) / 1_000_000
    extracted = extract(text.encode(), "text/plain", LIMITS)
    options = ChunkingOptions(max_tokens=300, overlap_ratio=0.15)
    ours, chunks = best_of(5, lambda: chunk_text("bench", extracted, options))
    with_extraction, _ = best_of(
        3, lambda: chunk_text("bench", extract(text.encode(), "text/plain", LIMITS), options)
    )
    splitter = RecursiveCharacterTextSplitter(chunk_size=1200, chunk_overlap=180)
    theirs, pieces = best_of(5, lambda: splitter.split_text(text))
    return [
        ("chunking 4 MB text", "Strata chunker", f"{megabytes / ours:.1f} MB/s"),
        ("", "Strata extract+chunk", f"{megabytes / with_extraction:.1f} MB/s"),
        ("", "LangChain Recursive", f"{megabytes / theirs:.1f} MB/s"),
        ("", "chunks (Strata / LangChain)", f"{len(chunks)} / {len(pieces)}"),
    ]


def bench_pdf() -> list[tuple[str, str, str]]:
    pages = [synthetic_text(2_500, seed=page) for page in range(60)]
    data = pdf_bytes(pages)

    def with_pypdf() -> int:
        reader = PdfReader(io.BytesIO(data))
        return sum(len(page.extract_text()) for page in reader.pages)

    ours, extracted = best_of(5, lambda: extract(data, "application/pdf", LIMITS))
    theirs, _ = best_of(5, with_pypdf)
    count = extracted.page_count
    return [
        (f"PDF text, {count} pages", "pypdfium2", f"{count / ours:.0f} pages/s"),
        ("", "pypdf", f"{count / theirs:.0f} pages/s"),
    ]


class SlowBedrock:
    """Answers invoke_model like Titan v2 after EMBED_LATENCY_SECONDS."""

    def invoke_model(self, **request: Any) -> dict[str, Any]:
        time.sleep(EMBED_LATENCY_SECONDS)
        dimension = json.loads(request["body"])["dimensions"]
        value = dimension**-0.5
        body = json.dumps({"embedding": [value] * dimension}).encode()
        return {"body": io.BytesIO(body)}


def bench_pipeline() -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    text = synthetic_text(60_000, seed=11).encode()
    settings = Settings(
        bucket_name=BUCKET,
        table_name="strata-bench-main",
        idempotency_table_name="strata-bench-idempotency",
        embedder="bedrock",
        embedding_dimension=DIMENSION,
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        for concurrency in (1, 8):
            ledger = InMemoryLedger()
            document_id = f"bench-{concurrency}"
            ledger.add("bench-user", document_id, content_type="text/plain")
            key = DocumentKeys("bench-user", document_id).original
            s3.put_object(Bucket=BUCKET, Key=key, Body=text)
            pipeline = IngestionPipeline(
                ledger=ledger,
                s3=s3,
                embedder=BedrockTitanEmbedder(
                    SlowBedrock(), dimension=DIMENSION, concurrency=concurrency
                ),
                index=LocalVectorIndex(DIMENSION),
                settings=settings,
                clock=ManualClock(datetime(2026, 11, 22, tzinfo=UTC)),
            )
            started = time.perf_counter()
            result = pipeline.ingest(S3ObjectRef(BUCKET, key, None, len(text)))
            seconds = time.perf_counter() - started
            label = "pipeline, 60 KB text, 20 ms/embedding" if concurrency == 1 else ""
            rows.append(
                (
                    label,
                    f"embedding concurrency {concurrency}",
                    f"{seconds:.2f} s ({result.chunk_count} chunks, "
                    f"{result.chunk_count / seconds:.0f} chunks/s)",
                )
            )
    return rows


def main() -> None:
    rows = [*bench_chunking(), *bench_pdf(), *bench_pipeline()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("benchmark", "implementation", "result")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
