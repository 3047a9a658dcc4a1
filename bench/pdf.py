"""PDF text extraction (pages/s): Strata's extractor (pypdfium2) beside pypdf on the same files.

The files: a 100-page PDF of real prose (the repository's documentation set by fpdf2, a real PDF
writer), and, where the machine has them, up to three real-world PDFs from /usr/share/doc
(software manuals set by LaTeX and other tools; named in the table). Medians of interleaved
rounds.

Run: ``make bench AREA=pdf`` (or ``.venv/bin/python bench/pdf.py [--rounds N]``).
"""

from __future__ import annotations

import argparse
import io
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Area, Figure, interleaved, median, timed, use_repository_paths

use_repository_paths()

from fpdf import FPDF  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench.chunking import real_prose  # noqa: E402
from strata.documents.extract import extract  # noqa: E402
from strata.documents.text import ExtractionLimits  # noqa: E402

LIMITS = ExtractionLimits(max_pages=10_000, max_chars=50_000_000, max_uncompressed_bytes=1)
PAGE_CHARS = 2_000
SYSTEM_PDFS = Path("/usr/share/doc")


def prose_pdf(pages: int = 100) -> bytes:
    """``pages`` pages of the repository's documentation (Latin-1, as the core fonts take)."""
    text = real_prose(pages * PAGE_CHARS).encode("latin-1", "replace").decode("latin-1")
    document = FPDF()
    document.set_auto_page_break(auto=False)  # exactly one page per slice of text
    document.set_font("helvetica", size=10)
    for number in range(pages):
        document.add_page()
        document.multi_cell(0, 5, text[number * PAGE_CHARS : (number + 1) * PAGE_CHARS])
    return bytes(document.output())


def files() -> list[tuple[str, bytes]]:
    found = [("real prose set by fpdf2", prose_pdf())]
    if SYSTEM_PDFS.is_dir():
        for path in sorted(SYSTEM_PDFS.rglob("*.pdf"))[:3]:
            found.append((f"{path.name} (/usr/share/doc)", path.read_bytes()))
    return found


def with_pypdf(data: bytes) -> int:
    reader = PdfReader(io.BytesIO(data))
    return sum(len(page.extract_text() or "") for page in reader.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    area = Area(
        "pdf",
        "PDF text extraction",
        method=f"Pages per second, median of {args.rounds} interleaved rounds.",
    )
    for label, data in files():
        pages = len(PdfReader(io.BytesIO(data)).pages)
        try:
            extract(data, "application/pdf", LIMITS)
        except Exception as exc:  # a system file we cannot read is skipped, and said so
            print(f"  skipped {label}: {exc}")
            continue
        samples = interleaved(
            {
                "ours": partial(timed, partial(extract, data, "application/pdf", LIMITS)),
                "pypdf": partial(timed, partial(with_pypdf, data)),
            },
            args.rounds,
        )
        slug = "prose" if "real prose" in label else Path(label.split(" ")[0]).stem
        area.add(
            Figure(
                key=f"pdf.{slug}",
                measure=f"{label}, {pages} pages",
                ours=pages / median(samples["ours"]),
                unit="pages/s",
                peer_name="pypdf",
                peer=pages / median(samples["pypdf"]),
                higher_is_better=True,
                target="keep (>= 1x)",
            )
        )
    area.finish()


if __name__ == "__main__":
    main()
