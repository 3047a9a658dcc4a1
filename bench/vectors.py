"""The local vector index (strata.search.local.LocalVectorIndex) beside numpy over the same
float32 vectors, at 10,000 and 100,000 vectors of 384 dimensions.

- Latency: top 10 for one user, p50 over many queries (interleaved with numpy's: the user's
  vectors as one normalised float32 matrix, a matrix-vector product and ``argpartition``). The
  vectors are spread over 100 users (as an index of many users is), and, separately, all held by
  one user (the worst case for one query).
- Memory: what building the index adds to a fresh process's resident size (VmRSS), beside what
  the bare float32 array of the same vectors adds to another fresh process.

Run: ``make bench AREA=vectors`` (or ``.venv/bin/python bench/vectors.py [--queries N]``).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    ROOT,
    Area,
    Figure,
    bench_env,
    interleaved,
    percentile,
    use_repository_paths,
)

use_repository_paths()

import numpy as np  # noqa: E402

from strata.search.local import LocalVectorIndex  # noqa: E402
from strata.search.types import ChunkMetadata, ChunkVector  # noqa: E402

DIMENSION = 384
USERS = 100
CHUNKS_PER_DOCUMENT = 100
K = 10
METADATA = ChunkMetadata(
    fileName="bench.pdf",
    fileType="pdf",
    wordCount=200,
    charCount=1200,
    startPosition=0,
    endPosition=1200,
    pageNumber=1,
)


def vectors(count: int, seed: int = 7) -> Any:
    return np.random.default_rng(seed).standard_normal((count, DIMENSION), dtype=np.float32)


def build(
    total: int, users: int, *, with_arrays: bool = True
) -> tuple[LocalVectorIndex, dict[str, Any]]:
    """An index of ``total`` vectors over ``users`` users, and (``with_arrays``) each user's
    vectors as numpy has them (normalised float32 rows). Each user's vectors are generated on
    their own, so no array of all of them ever exists beside the index."""
    index = LocalVectorIndex(DIMENSION)
    per_user = total // users
    arrays: dict[str, Any] = {}
    for u in range(users):
        user = f"user-{u:03d}"
        block = vectors(per_user, seed=u)
        for start in range(0, per_user, CHUNKS_PER_DOCUMENT):
            document = f"doc-{u}-{start}"
            rows = block[start : start + CHUNKS_PER_DOCUMENT].tolist()
            index.replace_document_chunks(
                user,
                document,
                [
                    ChunkVector(
                        chunkId=f"{document}:{i}",
                        documentId=document,
                        userId=user,
                        chunkIndex=i,
                        content=f"chunk {i} of {document}",
                        embedding=tuple(row),
                        metadata=METADATA,
                        uploadDate="2026-12-03T00:00:00Z",
                        createdAt="2026-12-03T00:00:00Z",
                    )
                    for i, row in enumerate(rows)
                ],
            )
        if with_arrays:
            arrays[user] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return index, arrays


def numpy_top(matrix: Any, query: Any, k: int) -> list[int]:
    scores = matrix @ (query / np.linalg.norm(query))
    best = np.argpartition(scores, len(scores) - k)[len(scores) - k :]
    return [int(i) for i in best[np.argsort(-scores[best])]]


class Rotation:
    """Each call times ``search`` on the next query of ``queries`` (milliseconds)."""

    def __init__(self, search: Callable[[Any], Any], queries: list[Any]) -> None:
        self.search, self.queries, self.cursor = search, queries, 0

    def __call__(self) -> float:
        query = self.queries[self.cursor % len(self.queries)]
        self.cursor += 1
        started = time.perf_counter()
        self.search(query)
        return (time.perf_counter() - started) * 1000


_MEMORY_CHILD = """
import gc, json, sys
sys.path[:0] = {paths!r}
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
import numpy as np
from bench.vectors import build, vectors
before = rss()
if {what!r} == "index":
    held = build({total}, {users}, with_arrays=False)[0]
else:
    held = vectors({total})
gc.collect()
print(json.dumps({{"bytes": rss() - before}}))
"""


def rss_added(what: str, total: int, users: int) -> float:
    """Megabytes that holding ``what`` ("index" or "array") adds to a fresh process."""
    code = _MEMORY_CHILD.format(
        paths=[str(ROOT / "layers" / "strata" / "python"), str(ROOT)],
        what=what,
        total=total,
        users=users,
    )
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(completed.stdout.strip().splitlines()[-1])["bytes"]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    area = Area(
        "vectors",
        "Local vector search",
        method=(
            f"{DIMENSION} dimensions, top {K}, p50 of {args.queries} queries per variant "
            "(interleaved); numpy: the user's normalised float32 matrix, matrix-vector product, "
            "argpartition. Memory: VmRSS a fresh process gains holding the index vs the bare "
            "float32 array."
        ),
    )
    rng = np.random.default_rng(11)
    for total, users, label in (
        (10_000, USERS, "10k"),
        (100_000, USERS, "100k"),
        (100_000, 1, "100k-one-user"),
    ):
        index, arrays = build(total, users)
        user = "user-000"
        queries = rng.standard_normal((args.queries, DIMENSION), dtype=np.float32)
        tuples = [tuple(q.tolist()) for q in queries]
        ours = Rotation(lambda q, index=index, user=user: index.search_chunks(user, q, K), tuples)
        theirs = Rotation(lambda q, m=arrays[user]: numpy_top(m, q, K), list(queries))

        # The same answers first: the index is exact.
        for query, as_tuple in zip(queries[:5], tuples[:5], strict=True):
            mine = [hit.chunkIndex for hit in index.search_chunks(user, as_tuple, K)]
            expected = [i % CHUNKS_PER_DOCUMENT for i in numpy_top(arrays[user], query, K)]
            assert mine == expected, (mine, expected)
        samples = interleaved({"ours": ours, "numpy": theirs}, args.queries)
        per_user = total // users
        who = "one user holding all" if users == 1 else f"{users} users, {per_user:,} each"
        area.add(
            Figure(
                key=f"vectors.{label}.p50",
                measure=f"top {K} of {total:,} x {DIMENSION} ({who}), p50",
                ours=percentile(samples["ours"], 0.5),
                unit="ms",
                peer_name="numpy over that user's float32 matrix",
                peer=percentile(samples["numpy"], 0.5),
                target="<= 2x" if label == "100k" else "",
                note=f"p99 {percentile(samples['ours'], 0.99):.2f} ms vs "
                f"{percentile(samples['numpy'], 0.99):.2f} ms",
            )
        )
        del index, arrays
        gc.collect()
        if users == USERS:
            area.add(
                Figure(
                    key=f"vectors.{label}.rss",
                    measure=f"memory of {total:,} x {DIMENSION} vectors (RSS added)",
                    ours=rss_added("index", total, users),
                    unit="MB",
                    peer_name="the bare float32 array",
                    peer=rss_added("array", total, users),
                    target="<= 2x" if label == "100k" else "",
                )
            )
    area.finish()


if __name__ == "__main__":
    main()
