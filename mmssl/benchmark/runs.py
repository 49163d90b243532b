"""One benchmark run: its config, its state on disk, and its execution.

A run lives in its own work dir::

    spec/config.py the full config it trains and tests (written by the suite;
                   in a subfolder because MMEngine dumps the config of every
                   start to <work dir>/<its file name>)
    run.json       what the run is (suite, method, budget, seed, config hash)
    train.log      tools/train.py's output (appended on resume)
    test.log       tools/test.py's output
    test_eval/     the evaluator's per_case.csv and summary.{csv,json}
    result.json    metrics + switches + config + commit, written last:
                   its presence means "finished"
    failed.json    the failed step, its exit status and log (until retried)

and MMEngine's checkpoints and timestamped log folders.
"""
import glob
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Optional

from mmengine.config import Config

from mmssl.utils.config import set_data_root
from .selection import TEST_SET_WARNING, apply_selection, describe_selection
from .suite import REPO_ROOT

FINISHED, FAILED, INTERRUPTED, PENDING, STALE = ('finished', 'failed',
                                                 'interrupted', 'pending',
                                                 'stale')
RESULT_FILE, FAILED_FILE, RUN_FILE = 'result.json', 'failed.json', 'run.json'
CONFIG_FILE, EVAL_DIR = osp.join('spec', 'config.py'), 'test_eval'


@dataclass
class RunState:
    state: str
    detail: str = ''
    result: Optional[dict] = None
    failure: Optional[dict] = None


def build_run_config(run, allow_test_set=False):
    """The run's full config and a hash of it (before run-specific paths).

    Order: the method config, the suite's / method's / budget's
    cfg_options, the seed, the suite's data_root, the model selection.
    """
    cfg = Config.fromfile(run.config)
    if run.cfg_options:
        cfg.merge_from_dict(run.cfg_options)
    randomness = dict(cfg.get('randomness') or {})
    randomness['seed'] = run.seed
    cfg.randomness = randomness
    if run.suite.data_root:
        set_data_root(cfg, run.suite.data_root)
    apply_selection(cfg, run.suite.selection, allow_test_set)
    config_hash = hashlib.sha1(
        json.dumps(cfg.to_dict(), sort_keys=True,
                   default=repr).encode()).hexdigest()[:16]
    evaluators = cfg.test_evaluator
    for evaluator in (evaluators
                      if isinstance(evaluators, list) else [evaluators]):
        evaluator['output_dir'] = osp.join(
            osp.abspath(run.run_dir), EVAL_DIR)
    return cfg, config_hash


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_json(path, content):
    partial = f'{path}.partial'
    with open(partial, 'w') as f:
        json.dump(content, f, indent=2, default=repr)
    os.replace(partial, path)


def checkpoints(run_dir):
    return glob.glob(osp.join(run_dir, 'iter_*.pth'))


def run_state(run, config_hash=None):
    """finished / failed / interrupted / pending / stale (made with another
    config than the suite gives now: not rerun, reported)."""
    run_dir = run.run_dir
    if not osp.isdir(run_dir):
        return RunState(PENDING)
    meta = _read_json(osp.join(run_dir, RUN_FILE))
    if (config_hash is not None and meta is not None
            and meta.get('config_hash') != config_hash):
        return RunState(
            STALE, f'{run_dir} holds a run of another config (hash '
            f'{meta.get("config_hash")}, now {config_hash}); delete the '
            'folder to run it again')
    result = _read_json(osp.join(run_dir, RESULT_FILE))
    if result is not None:
        return RunState(FINISHED, result=result)
    failure = _read_json(osp.join(run_dir, FAILED_FILE))
    if failure is not None:
        return RunState(
            FAILED, f'{failure.get("step")} exited with '
            f'{failure.get("returncode")}, see {failure.get("log")}',
            failure=failure)
    if checkpoints(run_dir):
        return RunState(INTERRUPTED, 'checkpoints but no result')
    return RunState(PENDING)


def trained_iterations(run_dir):
    """Iteration of the checkpoint named in MMEngine's last_checkpoint."""
    try:
        with open(osp.join(run_dir, 'last_checkpoint')) as f:
            path = f.read().strip()
    except OSError:
        return 0
    match = re.search(r'iter_(\d+)\.pth$', path)
    return int(match.group(1)) if match and osp.isfile(path) else 0


def select_checkpoint(run_dir, mode, max_iters):
    """The checkpoint to test, or None."""
    if mode == 'last':
        path = osp.join(run_dir, f'iter_{max_iters}.pth')
        return path if osp.isfile(path) else None
    best = glob.glob(osp.join(run_dir, 'best_dice_iter_*.pth'))
    if len(best) != 1:
        return None
    return best[0]


def commit_info():
    """(commit hash, whether tracked files differ from it) or (None, None)."""
    try:
        commit = subprocess.run(
            ['git', 'rev-parse', 'HEAD'], cwd=REPO_ROOT, capture_output=True,
            text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ['git', 'status', '--porcelain', '--untracked-files=no'],
            cwd=REPO_ROOT, capture_output=True, text=True,
            check=True).stdout.strip() != ''
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return None, None


def switches_of(cfg, selection, seed):
    """The protocol switches that move the numbers (PROTOCOLS.md)."""
    evaluator = cfg.test_evaluator
    evaluator = evaluator[0] if isinstance(evaluator, list) else evaluator
    return dict(
        checkpoint=describe_selection(selection),
        test_set_selection=selection['mode'] == 'test-best',
        largest_component=bool(evaluator.get('largest_component', False)),
        empty_pred=evaluator.get('empty_pred', 'reference'),
        iterations=int(cfg.train_cfg['max_iters']),
        seed=seed)


def _launch(command, log_path, env, cwd):
    with open(log_path, 'a') as log:
        log.write(f'\n$ {" ".join(command)}\n')
        log.flush()
        return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                              env=env, cwd=cwd).returncode


def tool_command(tool, launcher='none', gpus=1):
    """``python tools/<tool>``, or torchrun with ``gpus`` processes."""
    script = osp.join(REPO_ROOT, 'tools', tool)
    if launcher == 'none':
        return [sys.executable, script]
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r}: the suite runner starts '
                         "'none' or 'pytorch' (torchrun) runs")
    # --standalone: a free port per run, so that --jobs N runs can overlap.
    return [sys.executable, '-m', 'torch.distributed.run', '--standalone',
            f'--nproc_per_node={gpus}', script]


def execute_run(run, allow_test_set=False, launcher='none', gpus=1,
                env=None, log=print):
    """Train (or resume) and test one run; return its final RunState."""
    cfg, config_hash = build_run_config(run, allow_test_set)
    state = run_state(run, config_hash)
    if state.state in (FINISHED, STALE):
        return state
    run_dir = osp.abspath(run.run_dir)
    os.makedirs(run_dir, exist_ok=True)
    config_path = osp.join(run_dir, CONFIG_FILE)
    os.makedirs(osp.dirname(config_path), exist_ok=True)
    cfg.dump(config_path)
    _write_json(osp.join(run_dir, RUN_FILE), dict(
        suite=run.suite.name, method=run.method.name, budget=run.budget,
        seed=run.seed, source_config=run.config,
        cfg_options=run.cfg_options, selection=run.suite.selection,
        config_hash=config_hash))
    failed_path = osp.join(run_dir, FAILED_FILE)
    if osp.exists(failed_path):
        os.remove(failed_path)
    env = dict(os.environ if env is None else env)
    extra = [] if launcher == 'none' else ['--launcher', launcher]
    max_iters = int(cfg.train_cfg['max_iters'])
    mode = run.suite.selection['mode']
    if mode == 'test-best':
        log(f'WARNING {run.run_dir}: {TEST_SET_WARNING}')

    def fail(step, returncode, log_path, message=''):
        failure = dict(step=step, returncode=returncode, log=log_path,
                       message=message)
        _write_json(failed_path, failure)
        return RunState(FAILED, f'{step} exited with {returncode}, see '
                        f'{log_path}', failure=failure)

    started = time.time()
    train_log = osp.join(run_dir, 'train.log')
    if trained_iterations(run_dir) < max_iters:
        resume = ['--resume'] if checkpoints(run_dir) else []
        log(f'{"resume" if resume else "train"} {run.run_dir}')
        returncode = _launch(
            tool_command('train.py', launcher, gpus) +
            [config_path, '--work-dir', run_dir, *resume, *extra],
            train_log, env, os.getcwd())
        if returncode != 0:
            return fail('train', returncode, train_log)
    train_time = time.time() - started
    checkpoint = select_checkpoint(run_dir, mode, max_iters)
    if checkpoint is None:
        return fail('select', None, train_log,
                    f'no checkpoint for selection {mode!r} in {run_dir}')

    started = time.time()
    test_log = osp.join(run_dir, 'test.log')
    log(f'test {run.run_dir} ({osp.basename(checkpoint)})')
    returncode = _launch(
        tool_command('test.py', launcher, gpus) +
        [config_path, checkpoint, '--work-dir', run_dir, *extra], test_log,
        env, os.getcwd())
    summary = _read_json(osp.join(run_dir, EVAL_DIR, 'summary.json'))
    if returncode != 0 or summary is None:
        return fail('test', returncode, test_log,
                    '' if summary else 'no test_eval/summary.json')
    commit, dirty = commit_info()
    result = dict(
        suite=run.suite.name,
        method=run.method.name,
        label=run.method.label,
        budget=run.budget,
        seed=run.seed,
        source_config=run.config,
        config=config_path,
        config_hash=config_hash,
        cfg_options=run.cfg_options,
        selection=run.suite.selection,
        checkpoint=checkpoint,
        switches=switches_of(cfg, run.suite.selection, run.seed),
        metrics=summary,
        commit=commit,
        uncommitted_changes=dirty,
        train_seconds=round(train_time, 1),
        test_seconds=round(time.time() - started, 1),
        finished_at=time.strftime('%Y-%m-%d %H:%M:%S'))
    if mode == 'test-best':
        result['warning'] = TEST_SET_WARNING
    _write_json(osp.join(run_dir, RESULT_FILE), result)
    return RunState(FINISHED, result=result)
