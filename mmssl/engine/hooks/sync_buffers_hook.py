"""Keep BatchNorm statistics identical on every rank."""
import torch
import torch.distributed as torch_dist
from mmengine.dist import get_world_size, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmssl.registry import HOOKS


def average_buffers_across_ranks(module: torch.nn.Module) -> int:
    """All-reduce the floating-point buffers of ``module`` to their mean
    over ranks (integer ones, e.g. ``num_batches_tracked``, advance alike on
    every rank). Returns the number of buffers averaged."""
    buffers = [b for b in module.buffers() if b.is_floating_point()]
    if not buffers or not is_distributed():
        return 0
    flat = torch.cat([b.detach().reshape(-1).double() for b in buffers])
    torch_dist.all_reduce(flat)
    flat /= get_world_size()
    offset = 0
    for buffer in buffers:
        count = buffer.numel()
        buffer.copy_(flat[offset:offset + count].view_as(buffer))
        offset += count
    return len(buffers)


@HOOKS.register_module()
class BufferSyncHook(Hook):
    """Average floating-point buffers (BatchNorm running statistics of the
    student and the teacher) over ranks every ``interval`` iterations and
    after the last one.

    DDP keeps parameters equal across ranks but not buffers (MMEngine wraps
    with ``broadcast_buffers=False``), so each rank's BatchNorm statistics
    and the teacher's follow that rank's data. Averaging them makes every
    rank hold the same model, so a checkpoint (written by rank 0) is the
    model all ranks test with. Runs at LOW priority: after the EMA teacher
    update (NORMAL), before the CheckpointHook (VERY_LOW). A no-op on one
    process.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 1):
        if int(interval) != interval or interval < 1:
            raise ValueError(f'BufferSyncHook: interval must be an int >= 1, '
                             f'got {interval!r}')
        self.interval = int(interval)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if not is_distributed():
            return
        if (self.every_n_train_iters(runner, self.interval)
                or self.is_last_train_iter(runner)):
            model = runner.model
            if is_model_wrapper(model):
                model = model.module
            average_buffers_across_ranks(model)
