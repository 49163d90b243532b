"""Test a checkpoint on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out DIR] [--show-dir DIR]
        [--channels-last] [--fold-bn] [--amp [{auto,bfloat16,float16}]]
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

import torch

import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.engine.runner import close_process_group
from mmssl.registry import RUNNERS
from mmssl.utils import (add_common_arguments, default_autocast_dtype,
                         format_metrics, load_config, parse_common_arguments,
                         set_test_options)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a mmssl model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='directory for NIfTI predictions and '
                        'per-case metrics')
    parser.add_argument('--show-dir', help='directory for PNG slices with '
                        'the ground truth and prediction overlaid')
    parser.add_argument('--channels-last', action='store_true',
                        help='run the network in channels-last memory format')
    parser.add_argument('--fold-bn', action='store_true',
                        help='fold BatchNorm layers into the convolutions '
                        'before them (equal up to round-off)')
    parser.add_argument(
        '--amp', nargs='?', const='auto',
        choices=['auto', 'bfloat16', 'float16'],
        help='forward passes under autocast (auto: float16 on GPU, bfloat16 '
        'on CPU); probabilities are still summed in fp32')
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
    autocast = args.amp
    if autocast == 'auto':
        autocast = default_autocast_dtype(torch.cuda.is_available())
    if args.channels_last or autocast or args.fold_bn:
        set_test_options(cfg, channels_last=args.channels_last or None,
                         autocast=autocast, fold_bn=args.fold_bn or None)
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
