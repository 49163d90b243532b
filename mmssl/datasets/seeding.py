"""Per-sample random state, so augmentation does not depend on history.

A sampler may yield :class:`SeededIndex` keys instead of plain indices. A
dataset with :class:`SeededSampleMixin` then runs its pipeline for that key
with numpy's and Python's global random state seeded from ``key.seed``
(and restores the previous state afterwards). The random crop and flip of a
sample are thus a function of its place in the sample stream only: the same
whether the run was resumed, how many loader workers there are, and how many
processes split the global batch.
"""
import random
from contextlib import contextmanager
from typing import NamedTuple, Optional, Tuple

import numpy as np


class SeededIndex(NamedTuple):
    """A dataset index with the seed of its augmentation."""
    index: int
    seed: int


def sample_seed(*entropy: int) -> int:
    """A 32-bit seed mixed from integers (e.g. sampler seed, stream, step,
    slot) with numpy's SeedSequence, so nearby inputs give unrelated seeds.
    """
    return int(np.random.SeedSequence([int(e) for e in entropy])
               .generate_state(1)[0])


def unpack_key(key) -> Tuple[int, Optional[int]]:
    """``(index, seed)`` of a :class:`SeededIndex`; ``(key, None)`` else."""
    if isinstance(key, SeededIndex):
        return int(key.index), int(key.seed)
    return key, None


@contextmanager
def seeded_global_random(seed: int):
    """Seed numpy's and Python's global random state for a block; restore
    the previous states afterwards (the main process keeps its stream when
    data are loaded without workers)."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


class SeededSampleMixin:
    """Lets ``dataset[SeededIndex(i, s)]`` run the pipeline of sample ``i``
    under seed ``s``; plain integer indices behave as before."""

    def __getitem__(self, key):
        index, seed = unpack_key(key)
        if seed is None:
            return super().__getitem__(index)
        with seeded_global_random(seed):
            return super().__getitem__(index)
