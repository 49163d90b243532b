"""An iteration-based training loop whose iterations do not depend on history.

MMEngine's ``IterBasedTrainLoop`` resumes by loading and discarding every
batch already trained, and never restores the random state, so a resumed run
takes other dropout masks, noise and crops than the run it continues. Here:

* before the batch of iteration ``t`` is fetched, Python's, numpy's and
  torch's (CPU and CUDA) global random states are seeded from
  ``(seed, rank, t)``: iteration ``t`` draws the same random numbers whether
  the run started at 0 or was resumed, and every rank draws its own;
* a sampler with ``start_step`` (``TwoStreamSampler``) jumps straight to
  the batch of the resumed iteration; others fall back to MMEngine's skip.

With ``TwoStreamSampler``'s per-sample seeds the augmentation is also fixed
by the sample's place in the stream, so a resumed run repeats the losses of
the uninterrupted one (given deterministic kernels; see ``--deterministic``).
"""
import logging
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from mmssl.datasets.seeding import sample_seed
from mmssl.registry import LOOPS


def seed_iteration(seed: int, rank: int, iteration: int) -> int:
    """Seed the global random states for one iteration of one rank."""
    value = sample_seed(seed, rank, iteration)
    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)  # also every CUDA device
    return value


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` with per-iteration seeding and a direct jump
    of the sampler on resume (see the module docstring). Same arguments."""

    def run(self):
        self.runner.call_hook('before_train')
        # The whole run is one big epoch, as in MMEngine's loop.
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            self._skip_trained_batches()
        seed = self.runner.seed
        rank = get_rank()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            seed_iteration(seed, rank, self._iter)
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)

            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()

        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def _skip_trained_batches(self):
        sampler = getattr(self.dataloader, 'sampler', None)
        if hasattr(sampler, 'start_step'):
            print_log(
                f'Resuming the sample stream at step {self._iter}',
                logger='current')
            sampler.start_step = self._iter
            self.dataloader_iterator = _InfiniteDataloaderIterator(
                self.dataloader)
            return
        print_log(
            f'{type(sampler).__name__} cannot jump: loading and skipping the '
            f'{self._iter} batches already trained',
            logger='current',
            level=logging.WARNING)
        for _ in range(self._iter):
            next(self.dataloader_iterator)
