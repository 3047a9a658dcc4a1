"""One user's vectors for the local index: a float32 matrix, one row per item, beside the items.

Rows hold the embeddings as given (float32), with the inverse of each row's norm kept apart, so a
query scores every row with one matrix-vector product and the top k come from a partial sort
(``numpy.partition``), not a sort of everything. The items are stored without their embedding (the
matrix has it; :meth:`VectorRows.item_with_embedding` puts it back), so a vector costs its 4
bytes per dimension and not a tuple of Python floats.

numpy is imported on first use: the local stack and the tests have it; the Lambda functions
never build this class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

Item = TypeVar("Item")
_INITIAL_CAPACITY = 16


def _numpy() -> Any:
    import numpy  # noqa: PLC0415 - only the local stack and the tests build an index

    return numpy


class VectorRows(Generic[Item]):
    """Items keyed by a hashable key, each with one embedding row. Not thread-safe by itself."""

    def __init__(self, dimension: int, strip: Callable[[Item], Item]) -> None:
        np = _numpy()
        self.dimension = dimension
        self._strip = strip
        self._matrix: Matrix = np.empty((_INITIAL_CAPACITY, dimension), dtype=np.float32)
        self._inverse_norms: Matrix = np.empty(_INITIAL_CAPACITY, dtype=np.float32)
        self._items: list[Item] = []
        self._keys: list[Hashable] = []
        self._position: dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._position

    def items(self) -> list[Item]:
        """The stored items (without their embeddings), in row order."""
        return list(self._items)

    def get(self, key: Hashable) -> Item:
        return self._items[self._position[key]]

    def set_item(self, key: Hashable, item: Item) -> None:
        """Replace the item under ``key``, keeping its row."""
        self._items[self._position[key]] = self._strip(item)

    def item_with_embedding(
        self, key: Hashable, attach: Callable[[Item, tuple[float, ...]], Item]
    ) -> Item:
        row = self._position[key]
        return attach(self._items[row], tuple(self._matrix[row].tolist()))

    def add(self, entries: Sequence[tuple[Hashable, Item, Sequence[float]]]) -> None:
        """Add (or overwrite) ``(key, item, embedding)`` entries, in one block of rows."""
        if not entries:
            return
        np = _numpy()
        for key, _, _ in entries:
            if key in self._position:
                self.remove(key)
        block = np.asarray([embedding for _, _, embedding in entries], dtype=np.float32)
        if block.shape != (len(entries), self.dimension):
            raise ValueError("vectors differ in dimension")
        start = len(self._items)
        self._reserve(start + len(entries))
        self._matrix[start : start + len(entries)] = block
        norms = np.linalg.norm(block, axis=1)
        self._inverse_norms[start : start + len(entries)] = np.divide(
            1.0, norms, out=np.zeros_like(norms), where=norms > 0
        )
        for offset, (key, item, _) in enumerate(entries):
            self._position[key] = start + offset
            self._keys.append(key)
            self._items.append(self._strip(item))

    def remove(self, key: Hashable) -> None:
        """Drop ``key``'s row; the last row moves into its place."""
        row = self._position.pop(key, None)
        if row is None:
            return
        last = len(self._items) - 1
        if row != last:
            moved = self._keys[last]
            self._matrix[row] = self._matrix[last]
            self._inverse_norms[row] = self._inverse_norms[last]
            self._items[row] = self._items[last]
            self._keys[row] = moved
            self._position[moved] = row
        self._items.pop()
        self._keys.pop()

    def top(
        self,
        query: Sequence[float],
        k: int,
        order_key: Callable[[Item], str],
        admit: Callable[[Item], bool] | None = None,
    ) -> list[tuple[float, Item]]:
        """The ``k`` items most cosine-similar to ``query`` (ties by ``order_key``), among those
        ``admit`` lets through (all when None)."""
        np = _numpy()
        count = len(self._items)
        if count == 0:
            return []
        vector = np.asarray(query, dtype=np.float32)
        if vector.shape != (self.dimension,):
            raise ValueError("vectors differ in dimension")
        norm = float(np.linalg.norm(vector))
        if norm > 0:
            vector = vector / np.float32(norm)
        scores = (self._matrix[:count] @ vector) * self._inverse_norms[:count]
        rows = np.arange(count)
        if admit is not None:
            rows = np.flatnonzero(np.fromiter((admit(item) for item in self._items), bool, count))
            scores = scores[rows]
        if len(rows) > k:
            # Every row scoring at least the k-th best: exact top k, ties included, then ordered.
            threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = np.flatnonzero(scores >= threshold)
            rows, scores = rows[keep], scores[keep]
        ranked = sorted(
            zip(scores.tolist(), rows.tolist(), strict=True),
            key=lambda pair: (-pair[0], order_key(self._items[pair[1]])),
        )
        return [(score, self._items[row]) for score, row in ranked[:k]]

    def _reserve(self, needed: int) -> None:
        capacity = len(self._inverse_norms)
        if needed <= capacity:
            return
        np = _numpy()
        while capacity < needed:
            capacity *= 2
        count = len(self._items)
        matrix = np.empty((capacity, self.dimension), dtype=np.float32)
        matrix[:count] = self._matrix[:count]
        inverse_norms = np.empty(capacity, dtype=np.float32)
        inverse_norms[:count] = self._inverse_norms[:count]
        self._matrix, self._inverse_norms = matrix, inverse_norms
