"""Measure training and inference speed of a config.

    python tools/analysis_tools/benchmark.py CONFIG [--iters 20] [--warmup 3]
        [--test-cases 2] [--amp] [--channels-last] [--compile] [--fold-bn]
        [--data-root DIR] [--cfg-options ...] [--out FILE.json]

Reports, per training iteration, the time spent waiting for data apart from
the time of the train step itself; the peak memory (GPU: allocated by torch;
CPU: the process's peak resident set); and the sliding-window inference time
per test volume. ``--amp`` (bf16 on CPU, fp16 on GPU), ``--channels-last``
and ``--compile`` are those of tools/train.py, and ``--amp`` and
``--channels-last`` also apply to the inference (its test_cfg options).
The train step is the model's ``train_step`` (forward, backward, optimizer);
hooks such as the EMA teacher update are not run.
"""
import argparse
import json
import platform
import resource
import sys
import time

import numpy as np
import torch
from types import SimpleNamespace

from mmengine.config import DictAction
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmssl  # noqa: F401
from mmssl.engine.hooks import ChannelsLastHook, CompileHook
from mmssl.registry import MODELS
from mmssl.utils import (default_autocast_dtype, enable_autocast, load_config,
                         set_test_options)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=20,
                        help='timed training iterations')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed iterations first')
    parser.add_argument('--test-cases', type=int, default=2,
                        help='test volumes to time (0 skips inference)')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the backbone(s); the first '
                        'warm-up iterations compile')
    parser.add_argument('--fold-bn', action='store_true',
                        help='inference: fold BatchNorm into the preceding '
                        'convolutions')
    parser.add_argument('--data-root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='also write the figures to this json')
    return parser.parse_args(argv)


def _sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def _peak_memory_mb(device):
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stats(values):
    values = np.asarray(values)
    return dict(mean=float(values.mean()), std=float(values.std()),
                median=float(np.median(values)))


def benchmark_training(cfg, model, device, iters, warmup):
    loader = Runner.build_dataloader(cfg.train_dataloader,
                                     seed=cfg.randomness.get('seed'))
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    batches = iter(loader)
    data_times, step_times = [], []
    for index in range(warmup + iters):
        start = time.perf_counter()
        data = next(batches)
        loaded = time.perf_counter()
        model.train_step(data, optim_wrapper)
        _sync(device)
        done = time.perf_counter()
        if index >= warmup:
            data_times.append(loaded - start)
            step_times.append(done - loaded)
    return dict(data_time_s=_stats(data_times),
                step_time_s=_stats(step_times),
                batch_size=cfg.train_dataloader.batch_size)


def benchmark_inference(cfg, model, device, num_cases, warmup=False):
    loader = Runner.build_dataloader(cfg.test_dataloader)
    model.eval()
    times, shapes = [], []
    with torch.no_grad():
        for index, data in enumerate(loader):
            if index >= num_cases:
                break
            if warmup and index == 0:  # compiles for eval mode
                model.test_step(data)
            _sync(device)
            start = time.perf_counter()
            model.test_step(data)
            _sync(device)
            times.append(time.perf_counter() - start)
            shapes.append(list(data['inputs'][0].shape[1:]))
    return dict(seconds_per_volume=_stats(times), volume_shapes=shapes)


def build_config(args):
    """The config with the command line's options applied."""
    cfg = load_config(args.config, args.cfg_options, args.data_root)
    if args.amp:
        enable_autocast(cfg, torch.cuda.is_available())
    if args.amp or args.channels_last or args.fold_bn:
        set_test_options(
            cfg, channels_last=args.channels_last or None,
            autocast=(default_autocast_dtype(torch.cuda.is_available())
                      if args.amp else None),
            fold_bn=args.fold_bn or None)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    init_default_scope(cfg.get('default_scope', 'mmssl'))
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.manual_seed(cfg.randomness.get('seed', 0))
    model = MODELS.build(cfg.model).to(device)
    # The hooks tools/train.py adds, applied as the runner would.
    runner = SimpleNamespace(model=model,
                             logger=MMLogger.get_current_instance())
    if args.channels_last:
        ChannelsLastHook().before_train(runner)
    if args.compile:
        CompileHook().before_train(runner)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()

    report = dict(
        config=args.config,
        device=torch.cuda.get_device_name() if device.type == 'cuda' else
        f'cpu ({platform.processor() or platform.machine()}, '
        f'{torch.get_num_threads()} threads)',
        torch=torch.__version__,
        amp=args.amp,
        channels_last=args.channels_last,
        compile=args.compile,
        fold_bn=args.fold_bn,
        parameters=sum(p.numel() for p in model.parameters()))
    report['train'] = benchmark_training(cfg, model, device, args.iters,
                                         args.warmup)
    report['train']['peak_memory_mb'] = _peak_memory_mb(device)
    if args.test_cases > 0:
        report['inference'] = benchmark_inference(
            cfg, model, device, args.test_cases, warmup=args.compile)
    report['peak_memory_mb'] = _peak_memory_mb(device)

    print(json.dumps(report, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)


if __name__ == '__main__':
    sys.exit(main())
