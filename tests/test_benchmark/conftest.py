"""Helpers of the benchmark tests: suite files written on the fly."""
import os.path as osp
import sys

import pytest

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(TESTS, 'test_tools'))
TINY_2D = osp.join(TESTS, 'data', 'configs', 'tiny_2d.py')


@pytest.fixture
def write_suite(tmp_path):
    """write_suite(text) -> path of a suite file holding ``text``."""
    counter = [0]

    def write(text):
        counter[0] += 1
        path = tmp_path / f'suite{counter[0]}.py'
        path.write_text(text)
        return str(path)

    return write
