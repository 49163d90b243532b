"""Test a checkpoint on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out DIR] [--show-dir DIR]
        [--data-root DIR] [--work-dir DIR] [--cfg-options KEY=VALUE ...]
        [--launcher ...]

With --out, DIR receives predictions/<case>.nii.gz (on the input's grid for
NIfTI inputs), per_case.csv and the summary files. With --show-dir, DIR
receives <case>_slice<k>.png: a few slices with the ground truth (green)
and the prediction (red) on the image.
"""
import argparse
import os.path as osp
import sys


import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.engine.runner import close_process_group
from mmssl.registry import RUNNERS
from mmssl.utils import (add_common_arguments, format_metrics, load_config,
                         parse_common_arguments)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a mmssl model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='directory for NIfTI predictions and '
                        'per-case metrics')
    parser.add_argument('--show-dir', help='directory for PNG slices with '
                        'the ground truth and prediction overlaid')
    add_common_arguments(parser)
    return parse_common_arguments(parser, argv)


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
    if args.show_dir:
        custom_hooks.append(
            dict(type='SaveOverlaysHook', out_dir=args.show_dir))
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
        if args.show_dir:
            print(f'Overlay images written to {args.show_dir}')


if __name__ == '__main__':
    status = main()
    close_process_group()
    sys.exit(status)
