"""Stop training when the loss becomes NaN or infinite."""
import math
import os.path as osp

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook

from mmssl.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` after an iteration whose loss (or
    any logged loss term) is NaN or infinite, or that left a non-finite
    weight or buffer (e.g. BatchNorm statistics), on every rank at once.

    It runs at ABOVE_NORMAL priority, before the EMA teacher update and the
    CheckpointHook, so nothing from the bad iteration is saved: the last
    checkpoint stays the last good one, and the message names it. Checking
    the weights costs one ``isfinite`` pass over them per iteration.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        values = {key: float(torch.as_tensor(value).detach())
                  for key, value in (outputs or {}).items() if 'loss' in key}
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if not bad:
            tensors = list(runner.model.named_parameters()) + [
                (name, b) for name, b in runner.model.named_buffers()
                if b.is_floating_point()]
            bad_weights = [name for name, t in tensors
                           if not torch.isfinite(t.detach()).all()]
            if bad_weights:
                bad = {f'weights ({len(bad_weights)} tensors, e.g. '
                       f'{bad_weights[0]})': float('nan')}
        flag = torch.tensor(float(bool(bad)))
        if is_distributed():
            all_reduce(flag)  # every rank stops, none waits for the others
        if flag.item() == 0:
            return
        where = ', '.join(f'{k}={v}' for k, v in bad.items()) or (
            'on another rank')
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(last):
            with open(last) as f:
                previous = f.read().strip()
            advice = (f'The last checkpoint, written before this iteration, '
                      f'is {previous}; `--resume` continues from it (lower '
                      'the learning rate or check the data first).')
        else:
            advice = 'No checkpoint was written before this iteration.'
        raise NonFiniteLossError(
            f'Iteration {runner.iter + 1}: non-finite values ({where}); '
            f'training stopped. {advice}')
