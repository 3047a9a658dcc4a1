"""Ingestion of one 100-page PDF, end to end, beside its floor.

The real pipeline (strata.documents.pipeline.IngestionPipeline): the original read from S3 (moto
in process), text extracted (pypdfium2), chunked, embedded through the real Titan embedder client
over a simulated Bedrock that answers each embedding after 20 ms, written to the local vector
index, its artefacts written back to S3. The floor is the embedding calls alone: the same texts
through the same embedder at the same concurrency. The rest of the pipeline is what the ratio
shows beyond it. Medians of interleaved rounds.

Run: ``make bench AREA=ingest`` (or ``.venv/bin/python bench/ingest.py [--rounds N]``).
``synthetic_text`` is also the retrieval corpus's filler (bench/corpus.py).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Area, Figure, interleaved, median, use_repository_paths

use_repository_paths()

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from strata.clock import ManualClock  # noqa: E402
from strata.config import Settings  # noqa: E402
from strata.documents.chunking import ChunkingOptions, chunk_text  # noqa: E402
from strata.documents.extract import extract  # noqa: E402
from strata.documents.layout import DocumentKeys  # noqa: E402
from strata.documents.pipeline import IngestionPipeline, S3ObjectRef  # noqa: E402
from strata.documents.text import ExtractionLimits  # noqa: E402
from strata.search.bedrock import BedrockTitanEmbedder  # noqa: E402
from strata.search.local import LocalVectorIndex  # noqa: E402
from tests.fixtures.ingestion import InMemoryLedger  # noqa: E402

LIMITS = ExtractionLimits(max_pages=10_000, max_chars=50_000_000, max_uncompressed_bytes=1)
EMBED_LATENCY_SECONDS = 0.020
DIMENSION = 256
CONCURRENCY = 8
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


class SlowBedrock:
    """Answers invoke_model like Titan v2 after EMBED_LATENCY_SECONDS."""

    def invoke_model(self, **request: Any) -> dict[str, Any]:
        time.sleep(EMBED_LATENCY_SECONDS)
        dimension = json.loads(request["body"])["dimensions"]
        value = dimension**-0.5
        body = json.dumps({"embedding": [value] * dimension}).encode()
        return {"body": io.BytesIO(body)}


def embedder() -> BedrockTitanEmbedder:
    return BedrockTitanEmbedder(SlowBedrock(), dimension=DIMENSION, concurrency=CONCURRENCY)


class Ingestion:
    """Each call ingests the PDF as a new document and returns the seconds it took."""

    def __init__(self, s3: Any, data: bytes) -> None:
        self.s3, self.data, self.count, self.chunks = s3, data, 0, 0
        self.settings = Settings(
            bucket_name=BUCKET,
            table_name="strata-bench-main",
            idempotency_table_name="strata-bench-idempotency",
            embedder="bedrock",
            embedding_dimension=DIMENSION,
            embedding_concurrency=CONCURRENCY,
        )

    def __call__(self) -> float:
        self.count += 1
        ledger = InMemoryLedger()
        document_id = f"bench-{self.count}"
        ledger.add("bench-user", document_id, content_type="application/pdf")
        key = DocumentKeys("bench-user", document_id).original
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=self.data)
        pipeline = IngestionPipeline(
            ledger=ledger,
            s3=self.s3,
            embedder=embedder(),
            index=LocalVectorIndex(DIMENSION),
            settings=self.settings,
            clock=ManualClock(datetime(2026, 12, 3, tzinfo=UTC)),
        )
        started = time.perf_counter()
        result = pipeline.ingest(S3ObjectRef(BUCKET, key, None, len(self.data)))
        self.chunks = result.chunk_count
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    area = Area(
        "ingest",
        "Ingestion of a 100-page PDF",
        method=(
            f"Median of {args.rounds} interleaved rounds; Bedrock simulated at "
            f"{EMBED_LATENCY_SECONDS * 1000:.0f} ms per embedding, embedding concurrency "
            f"{CONCURRENCY}; S3 from moto in process."
        ),
    )
    from bench.pdf import prose_pdf  # noqa: PLC0415 - bench.pdf imports this module's peers

    data = prose_pdf(100)
    extracted = extract(data, "application/pdf", LIMITS)
    texts = [chunk.content for chunk in chunk_text("bench", extracted, ChunkingOptions())]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        ingestion = Ingestion(s3, data)

        def embeddings_alone() -> float:
            started = time.perf_counter()
            embedder().embed(texts)
            return time.perf_counter() - started

        samples = interleaved({"ours": ingestion, "floor": embeddings_alone}, args.rounds)
    area.add(
        Figure(
            key="ingest.pdf100",
            measure=f"ingest a {extracted.page_count}-page PDF ({ingestion.chunks} chunks)",
            ours=median(samples["ours"]),
            unit="s",
            peer_name=f"its {len(texts)} embedding calls alone",
            peer=median(samples["floor"]),
            note=f"{ingestion.chunks / median(samples['ours']):.0f} chunks/s",
        )
    )
    area.finish()


if __name__ == "__main__":
    main()
