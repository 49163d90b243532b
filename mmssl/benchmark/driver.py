"""Run a suite: every run of the matrix that has no result yet, then the
leaderboard, the per-run table and the plots."""
import csv
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor

from .leaderboard import aggregate, run_metric, write_leaderboard
from .plots import write_plots
from .published import METRIC_KEYS
from .runs import (FAILED, FINISHED, INTERRUPTED, STALE, RunState,
                   build_run_config, execute_run, run_state)
from .selection import TEST_SET_WARNING, TestSetSelectionRefused
from .suite import expand_runs

ACTIONS = {FINISHED: 'skip (finished)', INTERRUPTED: 'resume',
           FAILED: 'retry', STALE: 'none (stale: see below)'}


def _state_of(run, allow_test_set):
    try:
        _, config_hash = build_run_config(run, allow_test_set)
    except TestSetSelectionRefused:
        raise
    except Exception as error:  # a bad cfg_option, a missing base file...
        return RunState(FAILED, f'config cannot be built: {error}')
    return run_state(run, config_hash)


def _union(first, second):
    runs, seen = [], set()
    for run in list(first) + list(second):
        if run.key not in seen:
            seen.add(run.key)
            runs.append(run)
    return runs


def write_runs_csv(runs, states, path):
    """One line per run: its state, metrics and where to look."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['method', 'budget', 'seed', 'state'] +
                        list(METRIC_KEYS) +
                        ['checkpoint', 'run_dir', 'detail'])
        for run in runs:
            state = states[run.key]
            result = state.result or {}
            metrics = ([run_metric(result, k) for k in METRIC_KEYS]
                       if result else [''] * len(METRIC_KEYS))
            writer.writerow([run.method.name, run.budget, run.seed,
                             state.state] + metrics +
                            [result.get('checkpoint', ''), run.run_dir,
                             state.detail])
    return path


def report(suite, runs, states):
    """Leaderboard (md, csv), runs csv and plots in the suite's work dir."""
    os.makedirs(suite.work_dir, exist_ok=True)
    rows = aggregate(suite, states)
    md_path, csv_path = write_leaderboard(suite, rows, suite.work_dir)
    suffix = ('' if suite.selection['mode'] == 'last' else
              f'_{suite.selection["mode"]}')
    runs_path = write_runs_csv(
        runs, states, osp.join(suite.work_dir, f'runs{suffix}.csv'))
    plots = write_plots(suite, rows, runs, states, suite.work_dir)
    return [md_path, csv_path, runs_path] + plots


def run_suite(suite, only=None, budgets=None, seeds=None,
              allow_test_set=False, dry_run=False, report_only=False,
              jobs=1, launcher='none', gpus=1, threads=None, log=print):
    """Run what is missing of the (restricted) matrix and report the whole
    suite. Returns (states of the runs asked for, written files)."""
    if suite.selection['mode'] == 'test-best':
        if not allow_test_set:
            raise TestSetSelectionRefused(
                'selection "test-best" picks the checkpoint on the test '
                'set; pass --i-know-this-uses-the-test-set to allow it')
        log(f'WARNING: {TEST_SET_WARNING}.')
    todo = expand_runs(suite, only, budgets, seeds)
    everything = _union(expand_runs(suite), todo)
    states = {run.key: _state_of(run, allow_test_set) for run in everything}
    for run in todo:
        state = states[run.key]
        action = ACTIONS.get(state.state, 'train')
        if state.state == FAILED and 'config cannot be built' in state.detail:
            action = 'none (config error)'
        log(f'{run.run_dir}: {state.state} -> {action}'
            + (f' ({state.detail})' if state.detail else ''))
    if dry_run:
        return {run.key: states[run.key] for run in todo}, []

    pending = [run for run in todo
               if states[run.key].state not in (FINISHED, STALE)
               and 'config cannot be built' not in states[run.key].detail]
    if not report_only and pending:
        env = dict(os.environ)
        if threads:
            env['OMP_NUM_THREADS'] = str(threads)

        def execute(run):
            try:
                return execute_run(run, allow_test_set, launcher, gpus, env,
                                   log)
            except Exception as error:  # keep the other runs going
                return RunState(FAILED, f'{type(error).__name__}: {error}')

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for run, state in zip(pending, pool.map(execute, pending)):
                states[run.key] = state
                log(f'{run.run_dir}: {state.state}' +
                    (f' ({state.detail})' if state.detail else ''))
    files = report(suite, everything, states)
    return {run.key: states[run.key] for run in todo}, files
