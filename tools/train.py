"""Train a model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
        [--amp] [--channels-last] [--compile] [--deterministic] [--seed N]
        [--data-root DIR] [--test]
        [--cfg-options KEY=VALUE ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.hooks import CheckpointHook

import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.engine.runner import close_process_group
from mmssl.registry import RUNNERS
from mmssl.utils import (add_common_arguments, enable_autocast,
                         enable_channels_last, enable_compile,
                         enable_pin_memory, format_metrics, load_config,
                         parse_common_arguments)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a mmssl model')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CKPT',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (fp16 on GPU, bf16 on CPU)')
    parser.add_argument('--channels-last', action='store_true',
                        help='train and test in channels-last memory format')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the backbone(s) for training')
    parser.add_argument(
        '--deterministic', action='store_true',
        help='use deterministic algorithms only (torch.use_deterministic_'
        'algorithms), so a seed gives the same losses run to run')
    parser.add_argument('--seed', type=int, default=None,
                        help="override the config's randomness.seed")
    parser.add_argument('--test', action='store_true',
                        help='test the final model on the test set and print '
                        'its metrics')
    add_common_arguments(parser)
    return parse_common_arguments(parser, argv)


def build_config(args):
    cfg = load_config(args.config, args.cfg_options, args.data_root,
                      args.work_dir, args.launcher)
    if args.amp:
        enable_autocast(cfg, torch.cuda.is_available())
    if args.channels_last:
        enable_channels_last(cfg)
    if args.compile:
        enable_compile(cfg)
    if torch.cuda.is_available():
        enable_pin_memory(cfg)
    if args.deterministic or args.seed is not None:
        randomness = dict(cfg.get('randomness') or {})
        if args.deterministic:
            randomness['deterministic'] = True
        if args.seed is not None:
            randomness['seed'] = args.seed
        cfg.randomness = randomness
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    runner = RUNNERS.build(cfg)
    runner.train()
    if args.test:
        tested = load_best_checkpoint(runner)
        if runner.rank == 0:
            print(f'Testing the {tested}', flush=True)
        metrics = runner.test()
        if runner.rank == 0:
            print(f'Test results ({osp.basename(args.config)}): '
                  f'{format_metrics(metrics)}', flush=True)


def load_best_checkpoint(runner):
    """Load the best validation checkpoint when the config keeps one (its
    model selection, e.g. SSL4MIS's on ACDC); return what is tested."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook) and hook.save_best:
            path = getattr(hook, 'best_ckpt_path', None)
            if path and osp.isfile(path):
                runner.load_checkpoint(path)
                return (f'best validation checkpoint {osp.basename(path)} '
                        '(the config keeps the best)')
    return 'model of the last iteration'


if __name__ == '__main__':
    status = main()
    close_process_group()
    sys.exit(status)
