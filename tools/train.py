"""Train a model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--data-root DIR] [--test] [--cfg-options KEY=VALUE ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os
import os.path as osp
import sys

import torch
from mmengine.config import DictAction

import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.registry import RUNNERS
from mmssl.utils import enable_autocast, format_metrics, load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a mmssl model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CKPT',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (fp16 on GPU, bf16 on CPU)')
    parser.add_argument('--data-root',
                        help='read the datasets from this directory instead '
                        "of the config's data_root")
    parser.add_argument('--test', action='store_true',
                        help='test the final model on the test set and print '
                        'its metrics')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args):
    cfg = load_config(args.config, args.cfg_options, args.data_root,
                      args.work_dir, args.launcher)
    if args.amp:
        enable_autocast(cfg, torch.cuda.is_available())
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
        metrics = runner.test()
        if runner.rank == 0:
            print(f'Test results ({osp.basename(args.config)}): '
                  f'{format_metrics(metrics)}', flush=True)


if __name__ == '__main__':
    sys.exit(main())
