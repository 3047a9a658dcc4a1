"""Retrieval quality: the generated corpus (bench/corpus.py) through the real ingestion pipeline
(in-process S3 from moto, the local lexical embedder and index), then every question through the
search service.

- hit@1 / hit@5: the best (any of the 5 best) passage is from the right document and holds the
  answer; a document that could not be ingested misses all its questions.
- citation page / section: for questions whose first passage holding the answer is in the top 5,
  the page and section that search reports for it are the fact's own.

Also: the extraction time of a Word file of 300,000 empty paragraphs.
Run: ``make bench`` (or ``.venv/bin/python bench/retrieval.py``).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "strata" / "python")]

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.corpus import Corpus, build  # noqa: E402
from strata.clock import ManualClock  # noqa: E402
from strata.config import Settings  # noqa: E402
from strata.documents.extract import extract  # noqa: E402
from strata.documents.layout import DocumentKeys  # noqa: E402
from strata.documents.pipeline import IngestionPipeline, S3ObjectRef  # noqa: E402
from strata.documents.text import ExtractionLimits  # noqa: E402
from strata.errors import ValidationError  # noqa: E402
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex  # noqa: E402
from strata.search.service import SearchService  # noqa: E402
from tests.fixtures.documents import many_paragraphs_docx  # noqa: E402
from tests.fixtures.ingestion import InMemoryLedger  # noqa: E402

BUCKET = "bench-retrieval"
USER = "bench-user"
DIMENSION = 1024


def ingest_corpus(corpus: Corpus) -> tuple[LocalVectorIndex, dict[str, str], dict[str, str]]:
    """The index, document ids by file name, and the reason of every document not ingested."""
    index = LocalVectorIndex(DIMENSION)
    ids: dict[str, str] = {}
    failed: dict[str, str] = {}
    settings = Settings(
        bucket_name=BUCKET,
        table_name="strata-bench-main",
        idempotency_table_name="strata-bench-idempotency",
        embedder="local",
        embedding_dimension=DIMENSION,
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        ledger = InMemoryLedger()
        pipeline = IngestionPipeline(
            ledger=ledger,
            s3=s3,
            embedder=LocalLexicalEmbedder(DIMENSION),
            index=index,
            settings=settings,
            clock=ManualClock(datetime(2026, 12, 3, tzinfo=UTC)),
        )
        for number, doc in enumerate(corpus.docs):
            document_id = f"doc{number:02d}"
            ids[doc.name] = document_id
            ledger.add(USER, document_id, content_type=doc.content_type, file_name=doc.name)
            key = DocumentKeys(USER, document_id).original
            s3.put_object(Bucket=BUCKET, Key=key, Body=doc.data)
            result = pipeline.ingest(S3ObjectRef(BUCKET, key, None, len(doc.data)))
            if result.status != "ready":
                failed[doc.name] = str(result.reason)
    return index, ids, failed


@dataclass
class Figures:
    documents: int
    questions: int
    hit1: float
    hit5: float
    page: tuple[int, int]  # right, asked
    section: tuple[int, int]
    failed: dict[str, str]
    misses: list[str]


def evaluate(corpus: Corpus) -> Figures:
    index, ids, failed = ingest_corpus(corpus)
    service = SearchService(LocalLexicalEmbedder(DIMENSION), index)
    hit1 = hit5 = 0
    pages_right = pages_asked = sections_right = sections_asked = 0
    misses: list[str] = []
    for question in corpus.questions:
        found = service.retrieve(USER, question.query, 5)
        results = service.search(USER, question.query, 5).results
        holding = [
            position
            for position, hit in enumerate(found.chunks)
            if hit.documentId == ids[question.doc] and question.answer in hit.content
        ]
        if holding and holding[0] == 0:
            hit1 += 1
        if not holding:
            misses.append(f"{question.doc}: {question.query}")
            continue
        hit5 += 1
        cited = results[holding[0]]
        if question.page is not None:
            pages_asked += 1
            pages_right += cited.page == question.page
        if question.section is not None:
            sections_asked += 1
            sections_right += cited.section == question.section
    total = len(corpus.questions)
    return Figures(
        documents=len(corpus.docs),
        questions=total,
        hit1=hit1 / total,
        hit5=hit5 / total,
        page=(pages_right, pages_asked),
        section=(sections_right, sections_asked),
        failed=failed,
        misses=misses,
    )


def bench_many_paragraphs(paragraphs: int = 300_000) -> str:
    data = many_paragraphs_docx(paragraphs)
    settings = Settings(
        bucket_name=BUCKET,
        table_name="strata-bench-main",
        idempotency_table_name="strata-bench-idempotency",
    )
    limits = ExtractionLimits.from_settings(settings)
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    started = time.perf_counter()
    try:
        extract(data, content_type, limits)
        outcome = "extracted"
    except ValidationError as exc:
        outcome = f"refused: {exc.message}"
    seconds = time.perf_counter() - started
    return f"{len(data) / 1024:.0f} KB, {paragraphs:,} paragraphs: {seconds:.2f} s ({outcome})"


def main() -> None:
    corpus = build()
    figures = evaluate(corpus)
    print(f"retrieval: {figures.documents} documents, {figures.questions} questions")
    print(f"  hit@1 {figures.hit1:.2f}  hit@5 {figures.hit5:.2f}")
    print(
        f"  citation page {figures.page[0]}/{figures.page[1]}  "
        f"section {figures.section[0]}/{figures.section[1]}"
    )
    for name, reason in figures.failed.items():
        print(f"  not ingested: {name}: {reason}")
    for miss in figures.misses:
        print(f"  missed: {miss}")
    print(f"docx extraction: {bench_many_paragraphs()}")


if __name__ == "__main__":
    main()
