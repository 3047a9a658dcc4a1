"""Issue 15, point 4: the ingest worker killed between each pair of pipeline steps, then the SQS
message redelivered: the document ends ``ready`` with one set of vectors and one notification.

The steps are the pipeline's calls on its collaborators (strata/documents/pipeline.py): fetch,
claim, extract, each artifact write, each progress mark, chunk, embed, index, complete. A run is
traced once to list them; then, for each boundary (two in the short form, one in each half of
the run, picked by the seed; each, for three file formats, in the long one), a fresh upload's
first delivery is killed right after that step: an exception no code catches
(``BaseException``), so nothing of the run goes on, no failure is reported and the idempotency
record stays in progress, as after a SIGKILL (tests/integration/ingest/test_killed_worker.py
kills a real process mid-file). Then the message comes again, and the table's stream goes to
the streams function.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

import strata.documents.pipeline as pipeline_module
from strata.documents.factory import build_ingestion_pipeline
from strata.models import DocumentStatus
from tests.fixtures.documents import DOCX_TYPE, MARKDOWN, docx_bytes, pdf_bytes
from tests.reliability.frame import Reliability
from tests.reliability.platform import DyingContext, IngestPlatform, new_user


class WorkerKilled(BaseException):
    """The worker's process ends here (nothing catches a BaseException that is not an
    Exception: neither the pipeline, the batch processor nor the idempotency layer)."""


class StepTracer:
    """Wraps the pipeline's collaborators; records each step and kills after the chosen one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._patch = monkeypatch
        self.steps: list[str] = []
        self.kill_after: int | None = None

    def install(self, pipeline: Any) -> None:
        ledger, artifacts = pipeline._ledger, pipeline._artifacts
        for owner, name in (
            (artifacts, "read_original"),
            (ledger, "begin_processing"),
            (pipeline_module, "extract"),
            (artifacts, "write_extracted_text"),
            (ledger, "record_progress"),
            (pipeline_module, "chunk_text"),
            (artifacts, "write_chunks"),
            (pipeline._embedder, "embed"),
            (artifacts, "write_embeddings"),
            (pipeline._index, "replace_document_chunks"),
            (artifacts, "write_metadata"),
            (ledger, "complete"),
        ):
            self._patch.setattr(owner, name, self._traced(name, getattr(owner, name)))

    def _traced(self, name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            result = step(*args, **kwargs)
            self.steps.append(name)
            if self.kill_after is not None and len(self.steps) == self.kill_after:
                raise WorkerKilled(f"killed after step {len(self.steps)}: {name}")
            return result

        return run


FILES = {
    "markdown": (MARKDOWN.encode(), "text/markdown", "guide.md"),
    "pdf": (
        pdf_bytes(["Herons nest in colonies.", "Lighthouses focus light into a beam."]),
        "application/pdf",
        "notes.pdf",
    ),
    "docx": (
        docx_bytes(),
        DOCX_TYPE,
        "notes.docx",
    ),
}


def test_a_worker_killed_after_any_step_converges_on_redelivery(
    ingest_platform: IngestPlatform, reliability: Reliability, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = ingest_platform
    tracer = StepTracer(monkeypatch)
    tracer.install(build_ingestion_pipeline(platform.settings))
    formats = reliability.pick(["markdown"], list(FILES))
    kills = 0
    boundaries: dict[str, int] = {}
    for file_format in formats:
        data, file_type, file_name = FILES[file_format]
        # Given the steps one undisturbed ingestion of this file takes
        user = new_user()
        traced = platform.upload(user, data, file_type, file_name)
        tracer.steps.clear()
        assert platform.deliver(platform.upload_messages(), 1) == {"batchItemFailures": []}
        steps = list(tracer.steps)
        assert steps[0] == "read_original"
        assert steps[-1] == "complete"
        boundaries[file_format] = len(steps)
        assert platform.document(user, traced).status is DocumentStatus.READY
        every = list(range(1, len(steps) + 1))
        # The long form kills after each step; the short one after one step of each half of the
        # run (the seed picks them): one before the work is indexed, one after
        half = len(every) // 2
        pick = random.Random(reliability.seed)
        chosen = (
            every if reliability.long else [pick.choice(every[:half]), pick.choice(every[half:])]
        )
        for boundary in chosen:
            # When a fresh upload's worker is killed right after step `boundary`
            document_id = platform.upload(user, data, file_type, file_name)
            messages = platform.upload_messages()
            tracer.steps.clear()
            tracer.kill_after = boundary
            with pytest.raises(WorkerKilled):
                platform.deliver(messages, 1, DyingContext())
            tracer.kill_after = None
            kills += 1
            # And SQS delivers the message again once its visibility timeout is over
            attempts = platform.ingest_until_settled(messages, first_receive=2)
            assert platform.pump_streams() == 0
            # Then the document is ready after one more delivery
            where = f"{file_format}, killed after {steps[boundary - 1]} (step {boundary})"
            document = platform.document(user, document_id)
            assert document.status is DocumentStatus.READY, where
            assert attempts == [2], where
            # With exactly one set of vectors and exactly one notification
            assert document.metadata.chunk_count, where
            assert platform.vectors_of(user, document_id) == document.metadata.chunk_count, where
            notes = platform.notifications_of(user, document_id)
            assert [n.title for n in notes] == ["Document ready"], where
    reliability.record(
        "4",
        "kill between steps, redeliver",
        injected="the ingest worker killed after each pipeline step (BaseException), "
        "message redelivered",
        volume=f"{kills} kills over {len(formats)} file formats "
        f"({', '.join(f'{k}: {v} steps' for k, v in boundaries.items())})",
        lost=0,
        documents_ready=kills,
        notifications_per_document=1,
    )
