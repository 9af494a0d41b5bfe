"""MinHash signatures, bit for bit those of datasketch's ``MinHash(scheme="affine32")``.

datasketch computes them well, but importing any part of it runs its package ``__init__``,
which imports its LSH module and with it ``scipy.integrate`` (for a parameter search we never
run): about 110 MB and a second of CPU in every process, for some twenty lines of numpy. So
the algorithm lives here, and a test checks it against datasketch (kept as a dev dependency)
on the corpus, so signatures stored by earlier versions stay valid.

The scheme (datasketch 2.0, ``minhash.py``): each item is hashed to 32 bits (the first four
bytes of its SHA-1, little-endian), pre-mixed with the MurmurHash3 finalizer, then mapped by
``NUM_PERM`` affine permutations ``a * h + b mod 2**32`` (``a`` odd) drawn from
``numpy.random.RandomState(seed)``; the signature is each permutation's minimum.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

_U32 = np.uint32
_LE = np.dtype("<u4")  # how signatures are stored and banded, whatever the machine
_EMPTY = _U32(0xFFFFFFFF)
_FMIX = (_U32(16), _U32(0x85EBCA6B), _U32(13), _U32(0xC2B2AE35), _U32(16))

Values = npt.NDArray[np.uint32]


@functools.cache
def _permutations(num_perm: int, seed: int) -> tuple[Values, Values]:
    """The ``a`` and ``b`` of each permutation, drawn as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def _fmix(values: Values) -> Values:
    s1, m1, s2, m2, s3 = _FMIX
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


def _sha1_32(item: bytes) -> int:
    return int.from_bytes(hashlib.sha1(item, usedforsecurity=False).digest()[:4], "little")


class Sketch:
    """A MinHash signature: ``num_perm`` uint32 minima, compared by estimated Jaccard."""

    __slots__ = ("hashvalues", "seed")

    def __init__(self, hashvalues: Values, seed: int) -> None:
        self.hashvalues = hashvalues
        self.seed = seed

    @classmethod
    def of(cls, items: Iterable[bytes], *, num_perm: int, seed: int) -> Sketch:
        """The signature of the set of ``items``."""
        a, b = _permutations(num_perm, seed)
        hashed = np.fromiter((_sha1_32(item) for item in items), dtype=_U32)
        if hashed.size == 0:
            return cls(np.full(num_perm, _EMPTY, dtype=_U32), seed)
        permuted = _fmix(hashed).reshape(-1, 1) * a + b  # wraps: arithmetic mod 2**32
        return cls(permuted.min(axis=0), seed)

    def __len__(self) -> int:
        return len(self.hashvalues)

    def jaccard(self, other: Sketch) -> float:
        """The share of equal minima: the estimated Jaccard similarity of the two sets."""
        if other.seed != self.seed or len(other) != len(self):
            raise ValueError("signatures of different permutations cannot be compared")
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self)

    @classmethod
    def from_bytes(cls, data: bytes, seed: int) -> Sketch:
        """A signature from :meth:`to_bytes`."""
        return cls(np.frombuffer(data, dtype=_LE).astype(_U32), seed)

    def to_bytes(self) -> bytes:
        """The minima as little-endian uint32 values."""
        return np.asarray(self.hashvalues, dtype=_LE).tobytes()

    def bands(self, count: int, rows: int) -> list[bytes]:
        """The first ``count`` runs of ``rows`` minima, each as bytes: the LSH bands."""
        data = self.to_bytes()
        size = rows * _LE.itemsize
        return [data[start : start + size] for start in range(0, count * size, size)]
