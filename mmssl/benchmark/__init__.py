"""Benchmark suites: configs x labeled budgets x seeds, resumable, with a
leaderboard and plots (tools/benchmark.py; docs/benchmarks.md)."""
from .driver import report, run_suite
from .leaderboard import aggregate, mean_std, write_leaderboard
from .plots import read_scalars, write_plots
from .published import PUBLISHED, SOURCES, published_figures
from .runs import (FAILED, FINISHED, INTERRUPTED, PENDING, STALE,
                   build_run_config, execute_run, run_state)
from .selection import (SELECTION_MODES, TEST_SET_WARNING,
                        TestSetSelectionRefused, apply_selection,
                        check_selection, describe_selection)
from .suite import Run, Suite, SuiteError, expand_runs, load_suite

__all__ = [
    'run_suite', 'report', 'aggregate', 'mean_std', 'write_leaderboard',
    'read_scalars', 'write_plots', 'PUBLISHED', 'SOURCES',
    'published_figures', 'FAILED', 'FINISHED', 'INTERRUPTED', 'PENDING',
    'STALE', 'build_run_config', 'execute_run', 'run_state',
    'SELECTION_MODES', 'TEST_SET_WARNING', 'TestSetSelectionRefused',
    'apply_selection', 'check_selection', 'describe_selection', 'Run',
    'Suite', 'SuiteError', 'expand_runs', 'load_suite'
]
