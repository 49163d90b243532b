"""Paths shared by the benchmark tests."""
import os.path as osp
import sys

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
# tool_runner (run_tool, tiny_version) lives with the tool tests.
sys.path.insert(0, osp.join(TESTS, 'test_tools'))
TINY_2D = osp.join(TESTS, 'data', 'configs', 'tiny_2d.py')
REPO = osp.dirname(TESTS)
