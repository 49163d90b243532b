"""``val_holdout``: a validation split carved from the training cases, for
checkpoint selection without the test set."""
import pytest
from la_fixtures import TEST_NAMES, TRAIN_NAMES

from mmssl.datasets import LAHeartDataset, Synthetic2DDataset
from mmssl.datasets.utils import carve_val_holdout

SMALL_2D = dict(num_train=6, num_test=2, size=(48, 40), seed=0)


def infos(dataset):
    return [(dataset.get_data_info(i)['case_name'],
             dataset.get_data_info(i)['labeled'])
            for i in range(len(dataset))]


def test_carve_takes_the_last_names():
    names = [f'c{i}' for i in range(10)]
    assert carve_val_holdout(names, 3) == (names[:7], names[7:])
    assert carve_val_holdout(names, 0) == (names, [])
    assert carve_val_holdout(names, None) == (names, [])
    with pytest.raises(ValueError, match='at least one must stay'):
        carve_val_holdout(names, 10)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match='val_holdout'):
            carve_val_holdout(names, bad)


def test_la_splits_are_disjoint_and_deterministic(la_root):
    def build(split, **kwargs):
        return infos(LAHeartDataset(la_root, split=split, num_labeled=2,
                                    val_holdout=2, **kwargs))

    val = build('val')
    assert val == [(name, True) for name in TRAIN_NAMES[3:]]
    train = build('train')
    # The papers' labeled cases (the first) stay labeled; the held-out
    # ones are neither labeled nor unlabeled training cases.
    assert train == [('case_a', True), ('case_b', True), ('case_c', False)]
    assert build('train_labeled') == train[:2]
    assert build('train_unlabeled') == train[2:]
    assert {n for n, _ in val}.isdisjoint({n for n, _ in train})
    assert build('val') == val and build('train') == train
    # The test split is untouched.
    assert [n for n, _ in build('test')] == TEST_NAMES
    # Unset: the behaviour without the option.
    assert len(infos(LAHeartDataset(la_root, num_labeled=2))) == len(
        TRAIN_NAMES)


def test_la_val_needs_a_holdout(la_root):
    with pytest.raises(ValueError, match="split 'val'.*val_holdout"):
        LAHeartDataset(la_root, split='val')
    with pytest.raises(ValueError, match='at least one must stay'):
        LAHeartDataset(la_root, split='train', val_holdout=len(TRAIN_NAMES))
    with pytest.raises(ValueError, match='num_labeled=4 but'):
        # 5 cases, 2 held out: only 3 can be labeled.
        LAHeartDataset(la_root, split='train', num_labeled=4, val_holdout=2)


def test_synthetic2d_holdout(tmp_path):
    root = str(tmp_path / 's2d')

    def names(split):
        return infos(Synthetic2DDataset(root, synthetic=SMALL_2D,
                                        split=split, num_labeled=2,
                                        val_holdout=2))

    expected = [f'synth2d_train_{i:04d}' for i in range(6)]
    assert names('val') == [(n, True) for n in expected[4:]]
    assert names('train') == [(n, i < 2) for i, n in enumerate(expected[:4])]
    with pytest.raises(ValueError, match="split 'val'"):
        Synthetic2DDataset(root, synthetic=SMALL_2D, split='val')
