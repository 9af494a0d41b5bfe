"""digests.minhash reproduces datasketch's signatures, so stored signatures stay valid."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

from digests.minhash import Sketch
from digests.stories import NUM_PERM, shingles, signature, words
from tests.conftest import CORPUS


def datasketch_values(items: set[bytes]) -> np.ndarray:
    """What the stories module stored before it computed signatures itself."""
    sketch = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    sketch.update_batch(sorted(items))
    return sketch.hashvalues


def test_signatures_of_corpus_pages_equal_datasketch() -> None:
    pages = sorted((CORPUS / "pages").glob("*.expected.txt"))
    compared = 0
    for page in pages:
        sketch = signature(page.read_text())
        if sketch is None:
            continue
        expected = datasketch_values(shingles(words(page.read_text())))
        assert sketch.hashvalues.tolist() == expected.tolist(), page.name
        compared += 1
    assert compared >= 20


def test_other_seeds_sizes_and_the_empty_set_equal_datasketch() -> None:
    items = [f"item {n}".encode() for n in range(300)]
    for num_perm, seed in ((16, 7), (256, 42)):
        ours = Sketch.of(items, num_perm=num_perm, seed=seed)
        theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
        theirs.update_batch(items)
        assert ours.hashvalues.tolist() == theirs.hashvalues.tolist()
        assert ours.jaccard(Sketch.of(items[:150], num_perm=num_perm, seed=seed)) == theirs.jaccard(
            _datasketch(items[:150], num_perm, seed)
        )
    empty = MinHash(num_perm=8, seed=1, scheme="affine32")
    assert Sketch.of([], num_perm=8, seed=1).hashvalues.tolist() == empty.hashvalues.tolist()


def _datasketch(items: list[bytes], num_perm: int, seed: int) -> MinHash:
    sketch = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    sketch.update_batch(items)
    return sketch
