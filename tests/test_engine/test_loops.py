"""Per-iteration seeding of the resumable training loop."""
import random

import numpy as np
import torch

from mmssl.engine.loops import seed_iteration


def _draw():
    return (random.random(), float(np.random.rand()),
            float(torch.rand(())))


def test_seed_iteration_depends_on_seed_rank_and_iteration_only():
    seed_iteration(1337, 0, 5)
    first = _draw()
    torch.rand(100)  # whatever happened in between
    seed_iteration(1337, 0, 5)
    assert _draw() == first
    draws = set()
    for args in ((1337, 1, 5), (1337, 0, 6), (1338, 0, 5)):
        seed_iteration(*args)
        draws.add(_draw())
    assert first not in draws and len(draws) == 3
