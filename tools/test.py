"""Test a checkpoint on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out DIR] [--data-root DIR]
        [--work-dir DIR] [--cfg-options KEY=VALUE ...] [--launcher ...]

With --out, DIR receives predictions/<case>.nii.gz, per_case.csv and the
summary files.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.registry import RUNNERS
from mmssl.utils import format_metrics, load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a mmssl model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='directory for NIfTI predictions and '
                        'per-case metrics')
    parser.add_argument('--work-dir', help='where the test log goes')
    parser.add_argument('--data-root',
                        help='read the datasets from this directory instead '
                        "of the config's data_root")
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. model.test_cfg.batch_windows=8')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args):
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint file not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options, args.data_root,
                      args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    custom_hooks = list(cfg.get('custom_hooks', []))
    if not any(h.get('type') == 'ProgressBarHook' for h in custom_hooks):
        custom_hooks.append(dict(type='ProgressBarHook'))
    if args.out:
        custom_hooks.append(
            dict(type='SavePredictionsHook',
                 out_dir=osp.join(args.out, 'predictions')))
        evaluators = cfg.test_evaluator
        for evaluator in (evaluators if isinstance(evaluators, list) else
                          [evaluators]):
            evaluator['output_dir'] = args.out
    cfg.custom_hooks = custom_hooks
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    runner = RUNNERS.build(cfg)
    metrics = runner.test()
    if runner.rank == 0:
        print(f'Test results ({osp.basename(args.checkpoint)}): '
              f'{format_metrics(metrics)}', flush=True)
        if args.out:
            print(f'Predictions and per-case metrics written to {args.out}')


if __name__ == '__main__':
    sys.exit(main())
