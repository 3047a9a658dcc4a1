"""Chunking and extraction throughput (MB/s) beside LangChain's RecursiveCharacterTextSplitter at
the same size (300 tokens ~ 1,200 characters, 15% overlap = 180 characters).

Two texts of 4 MB each:
- real prose: the repository's own documentation (docs/*.md and README.md, written by people for
  people: headings, paragraphs, lists, tables), repeated to size;
- the same prose with no newline at all (every whitespace run one space): one 4 MB line, where
  a splitter that looks for paragraph and line breaks first has none to find.

Strata's chunker is measured alone (on text already extracted) and with extraction of a
text/plain upload (decoding, normalising, blocks). Medians of interleaved rounds.

Run: ``make bench AREA=chunking`` (or ``.venv/bin/python bench/chunking.py [--rounds N]``).
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import ROOT, Area, Figure, interleaved, median, timed, use_repository_paths

use_repository_paths()

from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402

from strata.documents.chunking import ChunkingOptions, chunk_text  # noqa: E402
from strata.documents.extract import extract  # noqa: E402
from strata.documents.text import ExtractionLimits  # noqa: E402

SIZE = 4_000_000
LIMITS = ExtractionLimits(max_pages=10_000, max_chars=50_000_000, max_uncompressed_bytes=1)
OPTIONS = ChunkingOptions(max_tokens=300, overlap_ratio=0.15)


def real_prose(size: int = SIZE) -> str:
    """The repository's documentation, repeated to ``size`` characters (deterministic)."""
    sources = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in sources)
    repeated = (text + "\n\n") * (size // len(text) + 1)
    return repeated[:size]


def without_newlines(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    area = Area(
        "chunking",
        "Chunking and extraction throughput",
        method=(
            f"4 MB texts; median of {args.rounds} interleaved rounds. Strata: 300-token chunks, "
            "15% overlap; LangChain RecursiveCharacterTextSplitter(chunk_size=1200, "
            "chunk_overlap=180)."
        ),
    )
    splitter = RecursiveCharacterTextSplitter(chunk_size=1200, chunk_overlap=180)
    prose = real_prose()
    for label, text in (("real prose", prose), ("no-newline text", without_newlines(prose))):
        data = text.encode()
        megabytes = len(data) / 1_000_000
        extracted = extract(data, "text/plain", LIMITS)
        counts = (len(chunk_text("bench", extracted, OPTIONS)), len(splitter.split_text(text)))
        samples = interleaved(
            {
                "chunk": partial(timed, lambda e=extracted: chunk_text("bench", e, OPTIONS)),
                "extract+chunk": partial(
                    timed,
                    lambda d=data: chunk_text("bench", extract(d, "text/plain", LIMITS), OPTIONS),
                ),
                "langchain": partial(timed, lambda t=text: splitter.split_text(t)),
            },
            args.rounds,
        )
        theirs = megabytes / median(samples["langchain"])
        slug = "prose" if label == "real prose" else "one-line"
        area.add(
            Figure(
                key=f"chunking.{slug}.chunk",
                measure=f"chunking 4 MB of {label}",
                ours=megabytes / median(samples["chunk"]),
                unit="MB/s",
                peer_name="LangChain RecursiveCharacterTextSplitter",
                peer=theirs,
                higher_is_better=True,
                target=">= 1.0x" if slug == "prose" else "",
                note=f"{counts[0]} chunks vs {counts[1]}",
            )
        )
        area.add(
            Figure(
                key=f"chunking.{slug}.extract",
                measure=f"extraction + chunking, 4 MB of {label}",
                ours=megabytes / median(samples["extract+chunk"]),
                unit="MB/s",
                peer_name="LangChain RecursiveCharacterTextSplitter",
                peer=theirs,
                higher_is_better=True,
            )
        )
    area.finish()


if __name__ == "__main__":
    main()
