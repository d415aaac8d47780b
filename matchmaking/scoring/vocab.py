"""Bit positions for small vocabularies, and the bitmask operations the engine uses.

Set-valued features (processes, materials, KBLI codes) are stored as rows of ``uint64``
words: a vocabulary of ``n`` keys needs ``ceil(n / 64)`` words per row, so catalogues with
more than 64 entries work the same way as small ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Key = int | str
Mask = npt.NDArray[np.uint64]
WORD_BITS = 64


@dataclass(frozen=True)
class Vocabulary:
    """Maps catalogue keys (ids or codes) to bit positions, in the order given."""

    keys: tuple[Key, ...]
    _positions: dict[Key, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        positions = {key: bit for bit, key in enumerate(self.keys)}
        if len(positions) != len(self.keys):
            raise ValueError("vocabulary keys must be unique")
        object.__setattr__(self, "_positions", positions)

    @classmethod
    def of(cls, keys: Iterable[Key]) -> Vocabulary:
        """A vocabulary over ``keys`` with duplicates dropped (first occurrence wins)."""
        return cls(tuple(dict.fromkeys(keys)))

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    @property
    def words(self) -> int:
        return max(1, -(-len(self.keys) // WORD_BITS))

    def position(self, key: Key) -> int:
        try:
            return self._positions[key]
        except KeyError:
            raise ValueError(f"{key!r} is not in the vocabulary") from None

    def encode(self, keys: Iterable[Key], *, ignore_unknown: bool = False) -> Mask:
        """One mask row (shape ``(words,)``) with the bits of ``keys`` set.

        Unknown keys raise ``ValueError`` unless ``ignore_unknown`` (used for KBLI codes,
        where an unknown code simply matches nobody).
        """
        mask = np.zeros(self.words, dtype=np.uint64)
        for key in keys:
            bit = self._positions.get(key)
            if bit is None:
                if ignore_unknown:
                    continue
                raise ValueError(f"{key!r} is not in the vocabulary")
            mask[bit // WORD_BITS] |= np.uint64(1 << (bit % WORD_BITS))
        return mask

    def encode_rows(self, rows: Sequence[Iterable[Key]]) -> Mask:
        """A mask matrix of shape ``(len(rows), words)``."""
        masks = np.zeros((len(rows), self.words), dtype=np.uint64)
        for index, keys in enumerate(rows):
            masks[index] = self.encode(keys)
        return masks

    def decode(self, mask: Mask) -> list[Key]:
        """The keys whose bits are set in one mask row, in vocabulary order."""
        words = [int(word) for word in mask]
        return [
            key
            for bit, key in enumerate(self.keys)
            if words[bit // WORD_BITS] >> (bit % WORD_BITS) & 1
        ]


def popcount(masks: Mask) -> npt.NDArray[np.int64]:
    """Number of set bits per row (sums over the last axis)."""
    counts: npt.NDArray[np.int64] = np.bitwise_count(masks).sum(axis=-1, dtype=np.int64)
    return counts


def missing_bits(masks: Mask, required: Mask) -> Mask:
    """Bits of ``required`` absent from each row of ``masks``."""
    missing: Mask = np.bitwise_and(required, np.bitwise_not(masks))
    return missing


def intersects(masks: Mask, other: Mask) -> npt.NDArray[np.bool_]:
    """Whether each row of ``masks`` shares at least one bit with ``other``."""
    shared: npt.NDArray[np.bool_] = np.asarray(np.bitwise_and(masks, other).any(axis=-1))
    return shared
