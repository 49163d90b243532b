"""Measure how strongly each loss term pulls on the student.

    python tools/analysis_tools/loss_scale.py CONFIG [CHECKPOINT]
        [--iter N] [--batches 8] [--data-root DIR] [--cfg-options ...]
        [--out FILE.json]

For a few training batches, reports each loss term's value and the L2 norm
of its gradient with respect to the student's trainable parameters, and
each unsupervised term's gradient norm as a fraction of the supervised
terms' (their sum's gradient). A weak term shows up here as a small
fraction long before its effect on Dice can be told from seed noise.

The schedules (consistency ramps, UA-MT's threshold) see iteration
``--iter``; the default is the last iteration of the config's run, where the
ramps have reached their full weight. Without a checkpoint the freshly
initialised model is measured. BatchNorm and dropout are in training mode,
as in a training step; no parameter is updated.
"""
import argparse
import json
import sys

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmssl  # noqa: F401
from mmssl.engine.checkpoint import (check_checkpoint_matches_model,
                                     read_checkpoint_safely)
from mmssl.registry import MODELS
from mmssl.utils import load_config

SUPERVISED = 'supervised (sum)'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?',
                        help='weights to measure (default: a fresh model)')
    parser.add_argument('--iter', type=int,
                        help='iteration the schedules see (default: the '
                        "config's last)")
    parser.add_argument('--batches', type=int, default=8,
                        help='training batches to average over')
    parser.add_argument('--data-root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='also write the figures to this json')
    return parser.parse_args(argv)


def student_parameters(model):
    """The parameters the student's optimizer updates."""
    module = getattr(model, 'student', model)
    return [p for p in module.parameters() if p.requires_grad]


def unsupervised_loss_names(model):
    return {f'loss_{getattr(term, "name", type(term).__name__)}'
            for term in getattr(model, 'unsup_terms', ())}


def gradient_norm(loss, params):
    grads = torch.autograd.grad(loss, params, retain_graph=True,
                                allow_unused=True)
    squares = [g.float().pow(2).sum() for g in grads if g is not None]
    return float(torch.stack(squares).sum().sqrt()) if squares else 0.0


def measure(model, loader, num_batches):
    """Per batch: value and gradient norm of every loss term and of the
    supervised sum; the logged weights."""
    params = student_parameters(model)
    unsupervised = unsupervised_loss_names(model)
    records, batches = [], iter(loader)
    model.train()
    for _ in range(num_batches):
        try:
            data = next(batches)
        except StopIteration:
            break
        data = model.data_preprocessor(data, True)
        losses = model(**data, mode='loss')
        record = dict(values={}, grad_norms={}, weights={})
        supervised = []
        for key, value in losses.items():
            if not torch.is_tensor(value) or value.numel() != 1:
                continue
            # MMEngine's rule: a logged key naming a loss contains 'loss'.
            if 'loss' not in key:
                record['weights'][key] = value.detach().item()
                continue
            record['values'][key] = value.detach().item()
            record['grad_norms'][key] = (gradient_norm(value, params)
                                         if value.requires_grad else 0.0)
            if key not in unsupervised:
                supervised.append(value)
        if supervised:
            total = torch.stack(supervised).sum()
            record['values'][SUPERVISED] = total.detach().item()
            record['grad_norms'][SUPERVISED] = gradient_norm(total, params)
        records.append(record)
    if not records:
        raise RuntimeError('the training dataloader gave no batch')
    return records, unsupervised


def summarize(records, unsupervised):
    def mean(field, key):
        values = [r[field][key] for r in records if key in r[field]]
        return float(np.mean(values)) if values else None

    seen = list(dict.fromkeys(k for r in records for k in r['values']))
    # Supervised terms, their sum, then the unsupervised terms.
    keys = ([k for k in seen if k not in unsupervised and k != SUPERVISED] +
            [k for k in seen if k == SUPERVISED] +
            [k for k in seen if k in unsupervised])
    supervised_norm = mean('grad_norms', SUPERVISED)
    terms = {}
    for key in keys:
        entry = dict(value=mean('values', key),
                     grad_norm=mean('grad_norms', key),
                     unsupervised=key in unsupervised)
        if key in unsupervised and supervised_norm:
            entry['grad_norm_vs_supervised'] = (entry['grad_norm'] /
                                                supervised_norm)
        terms[key] = entry
    weights = list(dict.fromkeys(k for r in records for k in r['weights']))
    return terms, {k: mean('weights', k) for k in weights}


def format_table(terms):
    lines = [f'{"term":<28} {"value":>11} {"grad norm":>11} '
             f'{"/ supervised":>13}']
    for key, entry in terms.items():
        ratio = entry.get('grad_norm_vs_supervised')
        lines.append(f'{key:<28} {entry["value"]:>11.4g} '
                     f'{entry["grad_norm"]:>11.4g} '
                     f'{"" if ratio is None else f"{ratio:.4g}":>13}')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.batches < 1:
        raise SystemExit('--batches must be at least 1')
    cfg = load_config(args.config, args.cfg_options, args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmssl'))
    seed = cfg.get('randomness', {}).get('seed', 0)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        checkpoint = read_checkpoint_safely(args.checkpoint)
        check_checkpoint_matches_model(checkpoint, model, args.checkpoint)
        model.load_state_dict(checkpoint.get('state_dict', checkpoint))
    max_iters = int(cfg.train_cfg.max_iters)
    iteration = max_iters - 1 if args.iter is None else args.iter
    if not 0 <= iteration < max_iters:
        raise SystemExit(f'--iter must be in [0, {max_iters}), got '
                         f'{iteration}')
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', iteration)
    hub.update_info('max_iters', max_iters)
    cfg.train_dataloader.persistent_workers = False
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)

    records, unsupervised = measure(model, loader, args.batches)
    terms, weights = summarize(records, unsupervised)
    weights_from = (f'checkpoint {args.checkpoint}'
                    if args.checkpoint else 'fresh model')
    print(f'{args.config}: iteration {iteration} of {max_iters}, '
          f'{len(records)} batches, {weights_from}')
    if weights:
        print('weights: ' + ', '.join(f'{k}={v:.4g}'
                                      for k, v in weights.items()))
    print(format_table(terms))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           iteration=iteration, max_iters=max_iters,
                           batches=len(records), weights=weights,
                           terms=terms), f, indent=2)


if __name__ == '__main__':
    sys.exit(main())
