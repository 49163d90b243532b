import itertools

import pytest
import torch
from mmengine.runner import Runner

from mmssl.datasets import TwoStreamSampler
from mmssl.datasets.seeding import SeededIndex, unpack_key
from mmssl.registry import DATA_SAMPLERS


class FlaggedDataset:
    """The little a sampler looks at: a length and ``labeled`` flags."""

    def __init__(self, flags):
        self.flags = list(flags)

    def __len__(self):
        return len(self.flags)

    def get_data_info(self, index):
        return dict(labeled=self.flags[index])


def interleaved(num_labeled, num_unlabeled):
    """Labeled and unlabeled cases mixed, so indices are not contiguous."""
    flags = []
    for i in range(max(num_labeled, num_unlabeled)):
        if i < num_unlabeled:
            flags.append(False)
        if i < num_labeled:
            flags.append(True)
    return FlaggedDataset(flags)


def labeled_set(dataset):
    return {i for i, flag in enumerate(dataset.flags) if flag}


def unlabeled_set(dataset):
    return {i for i, flag in enumerate(dataset.flags) if not flag}


def batches(sampler, count, batch_size=None, keys=False):
    """The first ``count`` batches of indices (or of the raw keys), grouped
    as the DataLoader would."""
    batch_size = batch_size or sampler.batch_size
    indices = list(itertools.islice(iter(sampler), count * batch_size))
    if not keys:
        indices = [unpack_key(k)[0] for k in indices]
    return [indices[i:i + batch_size]
            for i in range(0, len(indices), batch_size)]


def make(dataset, batch_size=4, labeled_per_batch=2, seed=0, **kwargs):
    return TwoStreamSampler(dataset, batch_size=batch_size,
                            labeled_per_batch=labeled_per_batch, seed=seed,
                            **kwargs)


def reference_batches(dataset, labeled_per_batch, unlabeled_per_batch, seed,
                      count):
    """UA-MT's scheme written out plainly: the labeled cases shuffled once a
    pass, the unlabeled ones an endless chain of shuffles, both grouped with
    a zip over a shared iterator."""
    labeled = sorted(labeled_set(dataset))
    unlabeled = sorted(unlabeled_set(dataset))
    labeled_gen = torch.Generator().manual_seed(seed)
    unlabeled_gen = torch.Generator().manual_seed(seed + 1)

    def shuffled(indices, generator):
        return [indices[i] for i in torch.randperm(len(indices),
                                                   generator=generator)]

    def grouper(iterable, n):
        shared = iter(iterable)
        return zip(*[shared] * n)

    unlabeled_chain = itertools.chain.from_iterable(
        shuffled(unlabeled, unlabeled_gen) for _ in itertools.count())
    unlabeled_groups = grouper(unlabeled_chain, unlabeled_per_batch)
    result = []
    while len(result) < count:
        for lab, unlab in zip(
                grouper(shuffled(labeled, labeled_gen), labeled_per_batch),
                unlabeled_groups):
            result.append(list(lab) + list(unlab))
    return result[:count]


def test_every_batch_has_labeled_first_then_unlabeled():
    dataset = interleaved(6, 10)
    for batch_size, labeled_per_batch in ((4, 2), (5, 1), (3, 2)):
        sampler = make(dataset, batch_size, labeled_per_batch)
        for batch in batches(sampler, 40):
            assert len(batch) == batch_size
            assert set(batch[:labeled_per_batch]) <= labeled_set(dataset)
            assert set(batch[labeled_per_batch:]) <= unlabeled_set(dataset)


def test_labeled_reshuffled_every_pass_unlabeled_chain_of_permutations():
    dataset = interleaved(6, 10)
    result = batches(make(dataset), 60)
    labeled_parts = [b[:2] for b in result]
    unlabeled_parts = [b[2:] for b in result]
    # 3 steps a labeled pass, 5 steps an unlabeled permutation.
    labeled_passes = [sum(labeled_parts[i:i + 3], [])
                      for i in range(0, 60, 3)]
    for one_pass in labeled_passes:
        assert sorted(one_pass) == sorted(labeled_set(dataset))
    assert len({tuple(p) for p in labeled_passes}) > 1
    unlabeled_perms = [sum(unlabeled_parts[i:i + 5], [])
                       for i in range(0, 60, 5)]
    for perm in unlabeled_perms:
        assert sorted(perm) == sorted(unlabeled_set(dataset))
    assert len({tuple(p) for p in unlabeled_perms}) > 1


def test_remainder_of_a_pass_is_dropped():
    # 7 labeled with 2 a batch: each pass gives 3 batches of distinct cases.
    dataset = interleaved(7, 9)
    labeled_parts = [b[:2] for b in batches(make(dataset), 30)]
    for i in range(0, 30, 3):
        one_pass = sum(labeled_parts[i:i + 3], [])
        assert len(set(one_pass)) == 6


def test_same_seed_same_sequence_other_seed_differs():
    dataset = interleaved(6, 10)
    assert batches(make(dataset, seed=5), 30) == batches(
        make(dataset, seed=5), 30)
    assert batches(make(dataset, seed=5), 30) != batches(
        make(dataset, seed=6), 30)
    # A new iterator starts over.
    sampler = make(dataset, seed=5)
    assert batches(sampler, 10) == batches(sampler, 10)


def test_streams_are_independent():
    dataset = interleaved(6, 10)
    # More unlabeled per batch changes nothing on the labeled side.
    two = [b[:2] for b in batches(make(dataset, 4, 2), 30)]
    three = [b[:2] for b in batches(make(dataset, 5, 2), 30)]
    assert two == three
    # Same-sized streams do not shuffle in lockstep (distinct generators).
    dataset = FlaggedDataset([True] * 8 + [False] * 8)
    result = batches(make(dataset), 4)
    labeled_order = [i for b in result for i in b[:2]]
    unlabeled_order = [i - 8 for b in result for i in b[2:]]
    assert labeled_order != unlabeled_order


@pytest.mark.parametrize('counts', [(6, 10), (4, 12), (16, 64)])
def test_single_process_matches_reference_when_counts_divide(counts):
    dataset = interleaved(*counts)
    assert batches(make(dataset, seed=3), 50) == reference_batches(
        dataset, 2, 2, seed=3, count=50)


@pytest.mark.parametrize('world_size', [2, 3])
def test_ranks_get_disjoint_slices_of_the_same_streams(world_size):
    dataset = interleaved(7, 13)
    per_rank = [
        batches(make(dataset, rank=r, world_size=world_size), 24)
        for r in range(world_size)
    ]
    steps_per_labeled_pass = 7 // (2 * world_size)
    steps_per_unlabeled_pass = 13 // (2 * world_size)
    for step in range(24):
        step_batches = [per_rank[r][step] for r in range(world_size)]
        labeled = [i for b in step_batches for i in b[:2]]
        unlabeled = [i for b in step_batches for i in b[2:]]
        assert len(set(labeled)) == len(labeled) == 2 * world_size
        assert len(set(unlabeled)) == len(unlabeled) == 2 * world_size
        assert set(labeled) <= labeled_set(dataset)
        assert set(unlabeled) <= unlabeled_set(dataset)
    # Within a pass, no case repeats across ranks and steps either.
    for start in range(0, 24, steps_per_labeled_pass):
        one_pass = [i for r in range(world_size)
                    for b in per_rank[r][start:start +
                                         steps_per_labeled_pass]
                    for i in b[:2]]
        assert len(set(one_pass)) == len(one_pass)
    for start in range(0, 24 - steps_per_unlabeled_pass + 1,
                       steps_per_unlabeled_pass):
        one_pass = [i for r in range(world_size)
                    for b in per_rank[r][start:start +
                                         steps_per_unlabeled_pass]
                    for i in b[2:]]
        assert len(set(one_pass)) == len(one_pass)


def test_start_step_continues_the_sequence():
    dataset = interleaved(6, 10)
    full = batches(make(dataset, seed=2), 60)
    sampler = make(dataset, seed=2)
    # 17 lies mid-pass for both streams (3 and 5 steps a pass).
    sampler.start_step = 17
    assert batches(sampler, 43) == full[17:]
    assert sampler.start_step == 0
    assert batches(sampler, 5) == full[:5]

    full_rank1 = batches(make(dataset, seed=2, rank=1, world_size=2), 30)
    sampler = make(dataset, seed=2, rank=1, world_size=2)
    sampler.start_step = 7
    assert batches(sampler, 23) == full_rank1[7:]


def test_no_shuffle_takes_dataset_order():
    dataset = interleaved(4, 6)
    result = batches(make(dataset, shuffle=False), 6)
    labeled = sorted(labeled_set(dataset))
    unlabeled = sorted(unlabeled_set(dataset))
    assert [b[:2] for b in result] == [labeled[:2], labeled[2:]] * 3
    assert [b[2:] for b in result][:3] == [unlabeled[0:2], unlabeled[2:4],
                                           unlabeled[4:6]]


def test_len_and_set_epoch():
    dataset = interleaved(6, 10)
    sampler = make(dataset)
    assert len(sampler) == 16
    sampler.set_epoch(3)
    assert batches(sampler, 5) == batches(make(dataset), 5)


def test_seed_none_draws_one():
    sampler = TwoStreamSampler(interleaved(6, 10), 4, 2)
    assert isinstance(sampler.seed, int)


def test_clear_errors():
    with pytest.raises(KeyError, match="FakeSet has no 'labeled' key"):
        make(type('FakeSet', (FlaggedDataset, ),
                  dict(get_data_info=lambda self, i: {}))([True] * 4))
    with pytest.raises(TypeError, match='get_data_info.*list has none'):
        make([1, 2, 3, 4])
    with pytest.raises(ValueError,
                       match=r'FlaggedDataset has 3 labeled cases, fewer '
                       r'than the 4 .*2 per batch x 2 rank'):
        make(interleaved(3, 10), rank=0, world_size=2)
    with pytest.raises(ValueError, match='has 1 unlabeled cases'):
        make(interleaved(6, 1))
    with pytest.raises(ValueError, match='labeled_per_batch=4 must be'):
        make(interleaved(6, 10), 4, 4)
    with pytest.raises(ValueError, match='labeled_per_batch must be'):
        make(interleaved(6, 10), 4, 0)
    with pytest.raises(ValueError, match='rank=2 is outside 0..1'):
        make(interleaved(6, 10), rank=2, world_size=2)
    sampler = make(interleaved(6, 10))
    sampler.start_step = -1
    with pytest.raises(ValueError, match='start_step'):
        iter(sampler)


def test_registered():
    assert DATA_SAMPLERS.get('TwoStreamSampler') is TwoStreamSampler


def test_built_by_runner_build_dataloader(la_root):
    dataloader = Runner.build_dataloader(
        dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(
                type='TwoStreamSampler', labeled_per_batch=2, batch_size=4),
            dataset=dict(
                type='LAHeartDataset',
                data_root=la_root,
                split='train',
                num_labeled=2,
                pipeline=[dict(type='PackSegVolumeInputs')])),
        seed=7)
    sampler = dataloader.sampler
    assert isinstance(sampler, TwoStreamSampler)
    # The runner's seed reaches the sampler.
    assert sampler.seed == 7
    assert dataloader.batch_size == sampler.batch_size
    seen_unlabeled = set()
    for batch in itertools.islice(dataloader, 3):
        samples = batch['data_samples']
        assert [s.metainfo['labeled'] for s in samples] == [
            True, True, False, False
        ]
        assert {s.case_name for s in samples[:2]} == {'case_a', 'case_b'}
        seen_unlabeled.update(s.case_name for s in samples[2:])
    assert seen_unlabeled <= {'case_c', 'case_d', 'case_e'}


def test_sample_seeds_depend_on_the_stream_position_only():
    dataset = interleaved(8, 12)
    single = batches(make(dataset, seed=3), 12, keys=True)
    assert all(isinstance(k, SeededIndex) for b in single for k in b)
    seeds = [k.seed for b in single for k in b]
    assert len(set(seeds)) == len(seeds)
    # Two ranks with half the batch each: the same samples with the same
    # seeds, split by rank.
    ranks = [batches(make(dataset, batch_size=2, labeled_per_batch=1,
                          seed=3, rank=r, world_size=2), 12, keys=True)
             for r in range(2)]
    for step, batch in enumerate(single):
        rank0, rank1 = ranks[0][step], ranks[1][step]
        assert batch == [rank0[0], rank1[0], rank0[1], rank1[1]]
    # Resuming at a step gives the same keys as running through.
    sampler = make(dataset, seed=3)
    sampler.start_step = 5
    assert batches(sampler, 7, keys=True) == single[5:]
    # Other sampler seed: other sample seeds.
    other = batches(make(dataset, seed=4), 12, keys=True)
    assert {k.seed for b in other for k in b}.isdisjoint(seeds)


def test_plain_indices_without_sample_seeds():
    sampler = make(interleaved(6, 10), seed_samples=False)
    keys = list(itertools.islice(iter(sampler), 8))
    assert all(type(k) is int for k in keys)
