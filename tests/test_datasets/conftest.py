"""Fixtures for the dataset tests."""
import pytest
from la_fixtures import (TEST_NAMES, TRAIN_NAMES, case_arrays, case_path,
                         write_case, write_list)


@pytest.fixture
def la_root(tmp_path):
    """Five train and two test cases, list files at the root."""
    root = tmp_path / 'LA'
    for index, name in enumerate(TRAIN_NAMES + TEST_NAMES):
        image, label = case_arrays(index)
        write_case(case_path(root, name), image=image, label=label)
    write_list(root / 'train.list', TRAIN_NAMES)
    write_list(root / 'test.list', TEST_NAMES)
    return str(root)
