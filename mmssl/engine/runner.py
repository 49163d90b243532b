"""MMEngine's runner with the fixes mmssl needs on current PyTorch and CPUs.

* Safe checkpoints: torch >= 2.6 loads with ``weights_only=True`` and refuses
  the ``HistoryBuffer`` and numpy objects MMEngine writes into checkpoints,
  which breaks resume. The runner writes them as plain tensors and dicts
  (``mmssl.engine.checkpoint``), so resume, ``load_from`` and pretrained
  weights all go through the safe loader.
* Distributed on CPU: MMEngine's start calls ``torch.cuda.set_device`` and
  gives DDP ``device_ids=[rank]``; both fail without a GPU. On CPU we start a
  gloo process group ourselves and wrap the model without device ids.
* Reliable checkpoints: written to a temporary file and renamed, so a kill
  during a save never leaves a truncated checkpoint under the final name;
  a corrupted, foreign or non-training checkpoint fails with a message
  naming the file instead of a deep unpickling error.
"""
import os
import os.path as osp
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper, revert_sync_batchnorm
from mmengine.runner import Runner

from mmssl.registry import MODEL_WRAPPERS, RUNNERS
from .checkpoint import (CheckpointError, check_checkpoint_matches_model,
                         decode_after_safe_loading, encode_for_safe_loading,
                         read_checkpoint_safely)


def init_cpu_process_group(timeout_s=1800):
    """Start a gloo process group from torchrun's environment variables."""
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', timeout=timedelta(seconds=timeout_s))


def close_process_group():
    """Leave the process group together: without it a rank can exit while
    another still talks to it, and gloo aborts that one at shutdown."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


@RUNNERS.register_module()
class MMSSLRunner(Runner):
    """The runner of every mmssl config (``runner_type='MMSSLRunner'``)."""

    def call_hook(self, fn_name, **kwargs):
        checkpoint = kwargs.get('checkpoint')
        if fn_name == 'after_load_checkpoint' and checkpoint is not None:
            _convert_non_weights(checkpoint, decode_after_safe_loading)
        super().call_hook(fn_name, **kwargs)
        if fn_name == 'before_save_checkpoint' and checkpoint is not None:
            _convert_non_weights(checkpoint, encode_for_safe_loading)

    def setup_env(self, env_cfg):
        if (self.distributed and not is_distributed()
                and not torch.cuda.is_available()):
            if self.launcher != 'pytorch':
                raise RuntimeError(
                    f'launcher={self.launcher!r} needs GPUs; on CPU use '
                    '`torchrun ... tools/train.py --launcher pytorch`.')
            dist_cfg = env_cfg.get('dist_cfg', {})
            init_cpu_process_group(dist_cfg.get('timeout', 1800))
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg, model):
        if (not self.distributed or torch.cuda.is_available()
                or is_model_wrapper(model)):
            return super().wrap_model(model_wrapper_cfg, model)
        # CPU DDP: no device ids, and SyncBN cannot run on gloo/CPU.
        model = revert_sync_batchnorm(model)
        cfg = dict(model_wrapper_cfg or {})
        cfg.setdefault('type', 'MMDistributedDataParallel')
        cfg.setdefault('broadcast_buffers', False)
        if 'find_unused_parameters' in self.cfg:
            cfg.setdefault('find_unused_parameters',
                           self.cfg.find_unused_parameters)
        cfg.pop('device_ids', None)
        return MODEL_WRAPPERS.build(
            cfg, default_args=dict(module=model, device_ids=None))

    def resume(self, filename, *args, **kwargs):
        if not os.path.isfile(filename):
            raise FileNotFoundError(
                f'Checkpoint to resume from not found: {filename}')
        checkpoint = read_checkpoint_safely(filename)
        missing = [key for key in ('meta', 'state_dict', 'optimizer',
                                   'message_hub') if key not in checkpoint]
        if missing:
            raise CheckpointError(
                f'{filename} is not a training checkpoint of this project '
                f'(it lacks {missing}), so training cannot resume from it; '
                'to start from its weights, set load_from instead')
        super().resume(filename, *args, **kwargs)

    def load_checkpoint(self, filename, *args, **kwargs):
        if _is_local_path(filename):
            if not os.path.isfile(filename):
                raise FileNotFoundError(f'Checkpoint not found: {filename}')
            model = self.model.module if is_model_wrapper(
                self.model) else self.model
            check_checkpoint_matches_model(
                read_checkpoint_safely(filename), model, filename)
        return super().load_checkpoint(filename, *args, **kwargs)

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        """Write under a temporary name, then rename (atomic on POSIX)."""
        if not _is_local_path(out_dir):
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        partial = f'.{filename}.partial'
        super().save_checkpoint(out_dir, partial, *args, **kwargs)
        final, written = osp.join(out_dir, filename), osp.join(
            out_dir, partial)
        if osp.isfile(written):  # only the main process writes
            os.replace(written, final)


def _is_local_path(path) -> bool:
    return isinstance(path, (str, os.PathLike)) and '://' not in str(path)


def _convert_non_weights(checkpoint, convert):
    """Convert everything but model weights, in place (hooks share the dict).

    Weights are left as they are: they are tensors already, and their
    OrderedDicts carry ``_metadata`` that a rebuild would drop.
    """
    for key in list(checkpoint):
        if not key.endswith('state_dict'):
            checkpoint[key] = convert(checkpoint[key])
