"""OCR with Amazon Textract: ``DetectDocumentText`` for a single image (synchronous, bytes in the
request), ``StartDocumentTextDetection`` + ``GetDocumentTextDetection`` for PDFs and TIFFs
(asynchronous, read from the object in S3, pages of results followed by ``NextToken``).

The job is polled within the invocation's time (:mod:`strata.budget`): a job that has not
finished when the deadline nears is an ordinary failure, retried by SQS redelivery. LINE blocks
carry the text, their page and their confidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from strata.budget import seconds_left
from strata.documents.formats import DocumentFormat
from strata.documents.ocr import ObjectLocation, OcrLine, OcrPage
from strata.errors import Unavailable, ValidationError

POLL_SECONDS = 2.0
MAX_WAIT_SECONDS = 240.0
RESERVE_SECONDS = 20.0  # left for chunking, embedding and writing once the text is back
_BAD_DOCUMENT = frozenset(
    {"InvalidParameterException", "UnsupportedDocumentException", "BadDocumentException"}
)


class TextractOcr:
    name = "textract"

    def __init__(
        self,
        client: Any,
        *,
        poll_seconds: float = POLL_SECONDS,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._poll = poll_seconds
        self._max_wait = max_wait_seconds
        self._sleep = sleep

    def read(
        self, data: bytes, fmt: DocumentFormat, location: ObjectLocation | None, max_pages: int
    ) -> list[OcrPage]:
        from botocore.exceptions import ClientError  # noqa: PLC0415 (boto3 is already loaded)

        try:
            if fmt in {"png", "jpeg"} or location is None:
                response = self._client.detect_document_text(Document={"Bytes": data})
                return _pages(response.get("Blocks", []), max_pages)
            return self._read_async(location, max_pages)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _BAD_DOCUMENT:
                raise ValidationError(
                    "The scan could not be read by OCR (damaged, or a format it does not take)."
                ) from None
            raise

    def _read_async(self, location: ObjectLocation, max_pages: int) -> list[OcrPage]:
        s3_object = {"Bucket": location.bucket, "Name": location.key}
        if location.version_id:
            s3_object["Version"] = location.version_id
        job = self._client.start_document_text_detection(DocumentLocation={"S3Object": s3_object})[
            "JobId"
        ]
        waited = 0.0
        while True:
            response = self._client.get_document_text_detection(JobId=job)
            status = response["JobStatus"]
            if status in {"SUCCEEDED", "PARTIAL_SUCCESS"}:
                break
            if status == "FAILED":
                raise ValidationError(
                    "OCR could not read the scan: " + str(response.get("StatusMessage") or "")
                )
            left = seconds_left()
            if waited >= self._max_wait or (left is not None and left < RESERVE_SECONDS):
                raise Unavailable("OCR is taking longer than one run may; it will be retried")
            self._sleep(self._poll)
            waited += self._poll
        blocks = list(response.get("Blocks", []))
        while response.get("NextToken"):
            response = self._client.get_document_text_detection(
                JobId=job, NextToken=response["NextToken"]
            )
            blocks.extend(response.get("Blocks", []))
        return _pages(blocks, max_pages)


def _pages(blocks: list[dict[str, Any]], max_pages: int) -> list[OcrPage]:
    lines: dict[int, list[OcrLine]] = {}
    for block in blocks:
        if block.get("BlockType") != "LINE":
            continue
        page = int(block.get("Page", 1))
        if page > max_pages:
            continue
        lines.setdefault(page, []).append(
            OcrLine(str(block.get("Text", "")), float(block.get("Confidence", 0.0)))
        )
    return [OcrPage(number, tuple(lines[number])) for number in sorted(lines)]
