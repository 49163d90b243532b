"""Endless sampler putting labeled and unlabeled cases in every batch."""
import numbers
from typing import Iterator, List, Optional, Sized

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmssl.registry import DATA_SAMPLERS
from ..seeding import SeededIndex, sample_seed


def _check_int(name: str, value, minimum: int) -> int:
    if (not isinstance(value, numbers.Integral) or isinstance(value, bool)
            or value < minimum):
        raise ValueError(f'{name} must be an int >= {minimum}, got {value!r}')
    return int(value)


@DATA_SAMPLERS.register_module()
class TwoStreamSampler(Sampler):
    """Yield dataset indices endlessly, each consecutive block of
    ``batch_size`` holding ``labeled_per_batch`` labeled indices first, then
    ``batch_size - labeled_per_batch`` unlabeled ones.

    The semi-supervised batch of UA-MT's ``TwoStreamBatchSampler``, as a
    plain index sampler so that MMEngine's ``Runner.build_dataloader`` can
    use it: the torch ``DataLoader`` groups the indices with its own
    ``BatchSampler``, so the dataloader's ``batch_size`` must equal this
    sampler's ``batch_size``; otherwise batches straddle the blocks and
    mix the composition. A config thus reads::

        train_dataloader = dict(
            batch_size=4,
            sampler=dict(type='TwoStreamSampler', batch_size=4,
                         labeled_per_batch=2),
            dataset=dict(type='LAHeartDataset', split='train', ...))

    Two streams, each from its own ``torch.Generator`` (seeded ``seed`` and
    ``seed + 1``, so they reshuffle independently):

    - labeled: a new permutation of the labeled indices on every pass;
    - unlabeled: an endless chain of permutations of the unlabeled ones.

    Distributed training: every global step takes ``W * L`` labeled and
    ``W * U`` unlabeled indices (W ranks, L labeled and U unlabeled per
    batch) and rank r keeps the r-th slice of L and of U. Each permutation
    is cut into whole groups of ``W * L`` (resp. ``W * U``) and its
    remainder is dropped, so no index goes to two ranks in one step and
    every group stays within one pass. With one process this yields the
    reference's sequence whenever L divides the labeled count and U the
    unlabeled count (LA: 16/64 or 8/72 cases, L = U = 2); otherwise the
    remainder of each permutation is skipped instead of spilling over.

    Unlike the reference, the unlabeled stream does not restart with each
    pass over the labeled cases: it runs on, so every unlabeled case is seen
    once per unlabeled permutation.

    With ``seed_samples=True`` (default) each index comes as a
    :class:`~mmssl.datasets.seeding.SeededIndex` whose seed depends only on
    ``seed``, the stream, the global step and the slot within the global
    batch; datasets with ``SeededSampleMixin`` augment the sample under that
    seed. Augmentation then does not depend on loader workers, on the number
    of processes, or on whether the run was resumed (``start_step``).

    Args:
        dataset (Sized): Needs ``__len__`` and ``get_data_info(i)`` returning
            a dict with a bool ``'labeled'`` (e.g. ``LAHeartDataset`` with
            ``split='train'``). Passed by ``Runner.build_dataloader``.
        batch_size (int): Indices per batch of one rank; must equal the
            dataloader's ``batch_size``.
        labeled_per_batch (int): Labeled indices at the start of each
            batch, ``1 <= labeled_per_batch < batch_size``.
        shuffle (bool): Draw random permutations; when False every pass
            takes the indices in dataset order. Defaults to True.
        seed (int, optional): Seed of both streams, the same on every rank.
            ``Runner.build_dataloader`` passes the runner's seed (None with
            ``diff_rank_seed``); None draws one with
            ``mmengine.dist.sync_random_seed()``, as ``InfiniteSampler``
            does.
        rank (int, optional): Overrides the rank from
            ``mmengine.dist.get_dist_info()`` (for tests).
        world_size (int, optional): Overrides the world size likewise.
        seed_samples (bool): Yield ``SeededIndex(index, seed)`` instead of
            plain indices. Defaults to True.

    Attributes:
        start_step (int): Batches of this rank to skip at the start of the
            next ``__iter__`` (which resets it to 0); set it to the number of
            batches already consumed to continue a stopped run exactly.
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 labeled_per_batch: int,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None,
                 seed_samples: bool = True) -> None:
        batch_size = _check_int('batch_size', batch_size, 2)
        labeled_per_batch = _check_int('labeled_per_batch',
                                       labeled_per_batch, 1)
        if labeled_per_batch >= batch_size:
            raise ValueError(
                f'labeled_per_batch={labeled_per_batch} must be smaller '
                f'than batch_size={batch_size}, to leave room for unlabeled '
                'cases')
        dist_rank, dist_world_size = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = (dist_world_size
                           if world_size is None else world_size)
        _check_int('world_size', self.world_size, 1)
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'rank={self.rank} is outside 0..'
                             f'{self.world_size - 1}')

        self.dataset = dataset
        self.batch_size = batch_size
        self.labeled_per_batch = labeled_per_batch
        self.unlabeled_per_batch = batch_size - labeled_per_batch
        self.shuffle = shuffle
        self.seed_samples = bool(seed_samples)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.size = len(dataset)
        self.labeled_indices, self.unlabeled_indices = self._split_indices()

        for kind, indices, per_batch in (
                ('labeled', self.labeled_indices, self.labeled_per_batch),
                ('unlabeled', self.unlabeled_indices,
                 self.unlabeled_per_batch)):
            needed = per_batch * self.world_size
            if len(indices) < needed:
                raise ValueError(
                    f'{type(dataset).__name__} has {len(indices)} {kind} '
                    f'cases, fewer than the {needed} that one step takes '
                    f'({per_batch} per batch x {self.world_size} rank(s))')
        self.start_step = 0

    def _split_indices(self):
        labeled, unlabeled = [], []
        get_data_info = getattr(self.dataset, 'get_data_info', None)
        if get_data_info is None:
            raise TypeError(f'TwoStreamSampler needs a dataset with '
                            f'get_data_info(); {type(self.dataset).__name__} '
                            'has none')
        for index in range(self.size):
            info = get_data_info(index)
            if 'labeled' not in info:
                raise KeyError(
                    f'data info {index} of {type(self.dataset).__name__} has '
                    "no 'labeled' key; TwoStreamSampler needs datasets that "
                    "flag each case (e.g. LAHeartDataset with split='train')")
            (labeled if info['labeled'] else unlabeled).append(index)
        return labeled, unlabeled

    def _rank_slices(self, indices: List[int], per_batch: int, stream: int,
                     start_step: int) -> Iterator[list]:
        """Endless per-step slices of this rank from one stream (0 labeled,
        1 unlabeled, seeded ``seed + stream``), from global step
        ``start_step`` on."""
        generator = torch.Generator()
        generator.manual_seed(self.seed + stream)
        group = per_batch * self.world_size
        steps_per_pass = len(indices) // group
        begin = self.rank * per_batch
        passes_done, first_step = divmod(start_step, steps_per_pass)
        if self.shuffle:
            # Only the generator's state matters for the passes skipped.
            for _ in range(passes_done):
                torch.randperm(len(indices), generator=generator)
        global_step = start_step
        while True:
            if self.shuffle:
                order = torch.randperm(len(indices),
                                       generator=generator).tolist()
            else:
                order = range(len(indices))
            # Whole groups only: the remainder of a pass is dropped.
            for step in range(first_step, steps_per_pass):
                start = step * group + begin
                chosen = [indices[i] for i in order[start:start + per_batch]]
                if self.seed_samples:
                    # Slot within the global batch, not within the rank's.
                    chosen = [
                        SeededIndex(index, sample_seed(
                            self.seed, stream, global_step, begin + slot))
                        for slot, index in enumerate(chosen)
                    ]
                yield chosen
                global_step += 1
            first_step = 0

    def __iter__(self) -> Iterator:
        # Read eagerly, so the skip belongs to the iterator asked for now.
        start_step = _check_int('start_step', self.start_step, 0)
        self.start_step = 0
        return self._indices_from(start_step)

    def _indices_from(self, start_step: int) -> Iterator:
        labeled = self._rank_slices(self.labeled_indices,
                                    self.labeled_per_batch, 0, start_step)
        unlabeled = self._rank_slices(self.unlabeled_indices,
                                      self.unlabeled_per_batch, 1,
                                      start_step)
        for labeled_part, unlabeled_part in zip(labeled, unlabeled):
            yield from labeled_part
            yield from unlabeled_part

    def __len__(self) -> int:
        """The dataset size, as for MMEngine's ``InfiniteSampler``; the
        iteration itself never ends (train by iterations)."""
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """No-op: the streams are endless, there are no epochs."""
