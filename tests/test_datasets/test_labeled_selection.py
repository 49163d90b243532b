"""Which training cases are labeled: ``select_labeled`` and its use by
``LAHeartDataset``."""
import os.path as osp

import pytest
from la_fixtures import TEST_NAMES, TRAIN_NAMES, write_list

from mmssl.datasets import LAHeartDataset, select_labeled

# Enough names that two seeds practically never pick the same set.
MANY_NAMES = [f'case_{i:02d}' for i in range(80)]


def flags_of(dataset):
    return {
        dataset.get_data_info(i)['case_name']:
        dataset.get_data_info(i)['labeled']
        for i in range(len(dataset))
    }


def names_of(dataset):
    return [dataset.get_data_info(i)['case_name'] for i in range(len(dataset))]


def test_first_n_is_the_default():
    assert select_labeled(MANY_NAMES, 16) == MANY_NAMES[:16]
    assert select_labeled(MANY_NAMES, 0) == []
    assert select_labeled(MANY_NAMES, None) == MANY_NAMES


def test_random_is_seeded_and_keeps_list_order():
    chosen = select_labeled(MANY_NAMES, 16, selection='random', seed=3)
    assert len(chosen) == len(set(chosen)) == 16
    assert set(chosen) <= set(MANY_NAMES)
    assert chosen == sorted(chosen, key=MANY_NAMES.index)
    assert chosen == select_labeled(
        MANY_NAMES, 16, selection='random', seed=3)
    assert chosen != select_labeled(
        MANY_NAMES, 16, selection='random', seed=4)
    assert chosen != MANY_NAMES[:16]


def test_list_file(tmp_path):
    list_file = tmp_path / 'labeled.list'
    # Listed out of order: the result follows the order of the names.
    write_list(list_file, ['case_07', 'case_03'])
    expected = ['case_03', 'case_07']
    assert select_labeled(MANY_NAMES, list_file=str(list_file)) == expected
    assert select_labeled(
        MANY_NAMES, 2, list_file=str(list_file)) == expected


def test_list_file_errors(tmp_path):
    list_file = tmp_path / 'labeled.list'
    write_list(list_file, ['case_03', 'nope_1', 'nope_2'])
    with pytest.raises(ValueError,
                       match=r"labeled\.list.*2 case\(s\) not in train\.list"
                       r".*'nope_1', 'nope_2'"):
        select_labeled(MANY_NAMES, list_file=str(list_file),
                       names_source='train.list')

    write_list(list_file, ['case_03', 'case_04'])
    with pytest.raises(ValueError,
                       match=r'num_labeled=3 but labeled list .*labeled\.list'
                       r' lists 2 cases'):
        select_labeled(MANY_NAMES, 3, list_file=str(list_file))

    write_list(list_file, ['case_03', 'case_03'])
    with pytest.raises(ValueError, match='more than once.*case_03'):
        select_labeled(MANY_NAMES, list_file=str(list_file))


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="labeled_selection.*'last'"):
        select_labeled(MANY_NAMES, 2, selection='last')
    with pytest.raises(ValueError, match='labeled_seed'):
        select_labeled(MANY_NAMES, 2, selection='random', seed=-1)
    with pytest.raises(ValueError, match='exclude each other'):
        select_labeled(MANY_NAMES, selection='random', list_file='x.list')
    with pytest.raises(ValueError, match='num_labeled=81 but my.list'):
        select_labeled(MANY_NAMES, 81, names_source='my.list')
    with pytest.raises(ValueError, match='num_labeled must be'):
        select_labeled(MANY_NAMES, True)


def test_dataset_random_selection_drives_every_split(la_root):
    kwargs = dict(num_labeled=2, labeled_selection='random', labeled_seed=1)
    expected = select_labeled(
        TRAIN_NAMES, 2, selection='random', seed=1)
    train = LAHeartDataset(la_root, split='train', **kwargs)
    assert names_of(train) == TRAIN_NAMES
    assert flags_of(train) == {n: n in expected for n in TRAIN_NAMES}
    labeled = LAHeartDataset(la_root, split='train_labeled', **kwargs)
    assert names_of(labeled) == expected
    unlabeled = LAHeartDataset(la_root, split='train_unlabeled', **kwargs)
    assert names_of(unlabeled) == [n for n in TRAIN_NAMES
                                   if n not in expected]


def test_dataset_first_n_default(la_root):
    train = LAHeartDataset(la_root, split='train', num_labeled=2)
    assert flags_of(train) == {n: n in TRAIN_NAMES[:2] for n in TRAIN_NAMES}


def test_dataset_labeled_list(la_root):
    # Relative to data_root, like ann_file.
    write_list(osp.join(la_root, 'labeled.list'), ['case_e', 'case_b'])
    train = LAHeartDataset(la_root, split='train', labeled_list='labeled.list')
    assert flags_of(train) == {
        n: n in ('case_b', 'case_e') for n in TRAIN_NAMES}
    labeled = LAHeartDataset(
        la_root, split='train_labeled', labeled_list='labeled.list',
        num_labeled=2)
    assert names_of(labeled) == ['case_b', 'case_e']
    unlabeled = LAHeartDataset(
        la_root, split='train_unlabeled', labeled_list='labeled.list')
    assert names_of(unlabeled) == ['case_a', 'case_c', 'case_d']
    # The test split ignores the selection: everything is labeled.
    test = LAHeartDataset(la_root, split='test', labeled_list='labeled.list')
    assert names_of(test) == TEST_NAMES
    assert all(flags_of(test).values())


def test_dataset_labeled_list_errors(la_root):
    write_list(osp.join(la_root, 'labeled.list'), ['case_a', 'case_t1'])
    with pytest.raises(ValueError,
                       match=r"labeled\.list.*not in .*train\.list.*"
                       r"'case_t1'"):
        LAHeartDataset(la_root, labeled_list='labeled.list')
    write_list(osp.join(la_root, 'labeled.list'), ['case_a'])
    with pytest.raises(ValueError, match='num_labeled=2 but labeled list'):
        LAHeartDataset(la_root, labeled_list='labeled.list', num_labeled=2)
    with pytest.raises(FileNotFoundError, match='labeled list .*missing'):
        LAHeartDataset(la_root, labeled_list='missing.list')
    with pytest.raises(ValueError, match='labeled_selection'):
        LAHeartDataset(la_root, num_labeled=2, labeled_selection='best')
