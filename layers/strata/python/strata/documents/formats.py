"""The document formats Strata reads and the content types that name them: plain data, so that
what only checks a declared type (the API's upload limits) loads none of the extraction code."""

from __future__ import annotations

from typing import Literal

DocumentFormat = Literal[
    "pdf", "docx", "pptx", "xlsx", "png", "jpeg", "tiff", "html", "markdown", "txt", "csv", "json"
]

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPE_FORMATS: dict[str, DocumentFormat] = {
    "application/pdf": "pdf",
    DOCX_CONTENT_TYPE: "docx",
    PPTX_CONTENT_TYPE: "pptx",
    XLSX_CONTENT_TYPE: "xlsx",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/tiff": "tiff",
    "text/html": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "txt",
    "text/csv": "csv",
    "application/json": "json",
}
FORMAT_CONTENT_TYPES: dict[DocumentFormat, str] = {
    "pdf": "application/pdf",
    "docx": DOCX_CONTENT_TYPE,
    "pptx": PPTX_CONTENT_TYPE,
    "xlsx": XLSX_CONTENT_TYPE,
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "html": "text/html",
    "markdown": "text/markdown",
    "txt": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
}
