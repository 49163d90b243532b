"""Hooks the reliability tests load with custom_imports (PYTHONPATH)."""
import json
import os
import os.path as osp
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmssl.registry import HOOKS


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the process after iteration ``at`` (1-based), after that
    iteration's checkpoint (if any) was written: a hard kill, no cleanup."""

    priority = 'LOWEST'

    def __init__(self, at):
        self.at = int(at)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class RecordLossesHook(Hook):
    """Append each rank's full-precision losses to
    ``<out_dir>/losses_rank<r>.jsonl`` and save its final model state to
    ``<out_dir>/state_rank<r>.pth``."""

    priority = 'LOWEST'

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        os.makedirs(self.out_dir, exist_ok=True)
        record = {'iter': runner.iter + 1}
        record.update({k: float(v) for k, v in outputs.items()})
        path = osp.join(self.out_dir, f'losses_rank{get_rank()}.jsonl')
        with open(path, 'a') as f:
            f.write(json.dumps(record) + '\n')

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        torch.save(model.state_dict(),
                   osp.join(self.out_dir, f'state_rank{get_rank()}.pth'))


@HOOKS.register_module()
class KillDuringSaveHook(Hook):
    """At iteration ``at``, make the checkpoint writer put half of the file
    on disk and then SIGKILL the process: a kill in the middle of a save."""

    priority = 'LOWEST'

    def __init__(self, at):
        self.at = int(at)

    def before_save_checkpoint(self, runner, checkpoint):
        if runner.iter + 1 != self.at:
            return
        import io

        import mmengine.runner.runner as runner_module

        def half_write_then_die(checkpoint, filename, **kwargs):
            buffer = io.BytesIO()
            torch.save(checkpoint, buffer)
            data = buffer.getvalue()
            with open(filename, 'wb') as f:
                f.write(data[:len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)

        runner_module.save_checkpoint = half_write_then_die
