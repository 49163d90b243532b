"""Run a benchmark suite: method configs x labeled budgets x seeds.

    python tools/benchmark.py SUITE [--only METHOD ...] [--budgets B ...]
        [--seeds S ...] [--select {last,val,test-best}] [--val-holdout K]
        [--val-interval N] [--i-know-this-uses-the-test-set]
        [--work-dir DIR] [--data-root DIR] [--jobs N] [--threads N]
        [--launcher {none,pytorch}] [--gpus N] [--dry-run] [--report-only]

Each run trains in its own work dir (WORK_DIR/<method>/<budget>/<selection>/
seed<k>) through tools/train.py, then tools/test.py scores the selected
checkpoint. Finished runs are skipped, interrupted ones resumed, failed ones
retried; the leaderboard (markdown, CSV), a per-run CSV and PNG plots are
written to WORK_DIR. Suite format: configs/benchmarks/, docs/benchmarks.md.
"""
import argparse
import sys

import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.benchmark import (FINISHED, SELECTION_MODES, SuiteError,
                             TestSetSelectionRefused, load_suite, run_suite)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run a benchmark suite')
    parser.add_argument('suite', help='suite file (configs/benchmarks/*.py)')
    parser.add_argument('--only', nargs='+', metavar='METHOD',
                        help='run these methods only')
    parser.add_argument('--budgets', nargs='+', help='run these budgets only')
    parser.add_argument('--seeds', nargs='+', type=int,
                        help="seeds to run instead of the suite's")
    parser.add_argument('--select', choices=SELECTION_MODES,
                        help="checkpoint selection instead of the suite's")
    parser.add_argument('--val-holdout', type=int, metavar='K',
                        help='--select val: hold out the last K training '
                        "cases (default: the dataset's own val split)")
    parser.add_argument('--val-interval', type=int, metavar='N',
                        help='validate every N iterations (default: a '
                        'tenth of the run)')
    parser.add_argument('--i-know-this-uses-the-test-set',
                        dest='allow_test_set', action='store_true',
                        help='allow --select test-best (the result is '
                        'marked as selected on the test set everywhere)')
    parser.add_argument('--work-dir', help="instead of the suite's")
    parser.add_argument('--data-root', help="datasets' data_root for every "
                        'run')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at the same time (default 1)')
    parser.add_argument('--threads', type=int,
                        help='OMP_NUM_THREADS of each run')
    parser.add_argument('--launcher', choices=['none', 'pytorch'],
                        default='none')
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per run with --launcher pytorch')
    parser.add_argument('--dry-run', action='store_true',
                        help='list the runs and what would be done')
    parser.add_argument('--report-only', action='store_true',
                        help='only write the leaderboard and plots')
    return parser.parse_args(argv)


def selection_override(args, suite_file_selection):
    if not (args.select or args.val_holdout or args.val_interval):
        return None
    selection = dict(suite_file_selection)
    if args.select:
        selection = dict(mode=args.select)
    if args.val_holdout is not None:
        selection['val_holdout'] = args.val_holdout
    if args.val_interval is not None:
        selection['val_interval'] = args.val_interval
    return selection


def main(argv=None):
    args = parse_args(argv)
    try:
        suite = load_suite(args.suite, work_dir=args.work_dir,
                           data_root=args.data_root)
        override = selection_override(args, suite.selection)
        if override is not None:
            suite = load_suite(args.suite, work_dir=args.work_dir,
                               data_root=args.data_root, selection=override)
        states, files = run_suite(
            suite, only=args.only, budgets=args.budgets, seeds=args.seeds,
            allow_test_set=args.allow_test_set, dry_run=args.dry_run,
            report_only=args.report_only, jobs=args.jobs,
            launcher=args.launcher, gpus=args.gpus, threads=args.threads)
    except (SuiteError, TestSetSelectionRefused) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    for path in files:
        print(f'wrote {path}')
    if files:
        with open(files[0]) as f:
            print(f.read())
    unfinished = [key for key, state in states.items()
                  if state.state != FINISHED]
    if unfinished and not (args.dry_run or args.report_only):
        print(f'{len(unfinished)} run(s) without a result: {unfinished}',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
