"""Sliding-window inference with the window placement of the reference test.

UA-MT / SASSNet / DTC evaluate LA with 112x112x80 windows and strides
(18, 18, 4). Along each axis of size ``s`` with patch ``p`` and stride ``t``:

* if ``s < p`` the volume is zero-padded to ``p``, ``(p - s) // 2`` before
  and the rest after;
* with the padded size ``S``, ``ceil((S - p) / t) + 1`` windows start at
  ``min(t * i, S - p)``.

Window probabilities are summed, divided by how many windows cover each
voxel and the padding is cropped away. Windows are enumerated in the same
(x outer, z inner) order as the reference loops, so the sums add up in the
same order.
"""
import itertools
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F


def pad_amounts(size: int, patch: int) -> Tuple[int, int]:
    """Zeros added (before, after) an axis shorter than the patch."""
    missing = max(patch - size, 0)
    return missing // 2, missing - missing // 2


def window_starts(size: int, patch: int, stride: int) -> List[int]:
    """Window starts along one axis, in the coordinates of the padded axis.

    ``size`` is the unpadded axis length; axes shorter than ``patch`` are
    padded to ``patch`` first (see :func:`pad_amounts`).
    """
    if patch < 1 or stride < 1:
        raise ValueError(f'patch and stride must be positive, got patch='
                         f'{patch}, stride={stride}')
    padded = max(size, patch)
    # Integer form of ceil((padded - patch) / stride) + 1.
    num_windows = -(-(padded - patch) // stride) + 1
    return [min(stride * i, padded - patch) for i in range(num_windows)]


def _coverage(size: int, patch: int, stride: int) -> torch.Tensor:
    """How many windows cover each position of the padded axis."""
    count = torch.zeros(max(size, patch))
    for start in window_starts(size, patch, stride):
        count[start:start + patch] += 1
    return count


def sliding_window_inference(inputs: torch.Tensor,
                             predict_fn: Callable[[torch.Tensor],
                                                  torch.Tensor],
                             patch_size: Sequence[int],
                             strides: Sequence[int],
                             batch_windows: int = 4,
                             num_out_channels: Optional[int] = None
                             ) -> torch.Tensor:
    """Average window predictions over a whole image.

    Args:
        inputs: (N, C, *spatial) images; each case is processed on its own.
        predict_fn: Maps a (B, C, *patch_size) batch of windows to
            probabilities (B, K, *patch_size).
        patch_size: Window size per spatial axis.
        strides: Window stride per spatial axis.
        batch_windows: Windows passed to ``predict_fn`` at once.
        num_out_channels: K; checked against the predictions if given,
            inferred from the first prediction otherwise.

    Returns:
        (N, K, *spatial) float32 probabilities on the input's device.
    """
    spatial = tuple(inputs.shape[2:])
    ndim = len(spatial)
    patch_size = tuple(int(p) for p in patch_size)
    strides = tuple(int(s) for s in strides)
    if inputs.dim() < 3 or len(patch_size) != ndim or len(strides) != ndim:
        raise ValueError(
            f'inputs of shape {tuple(inputs.shape)} (N, C, *spatial) need '
            f'patch_size and strides with one value per spatial axis, got '
            f'patch_size={patch_size}, strides={strides}')
    if any(t < 1 or t > p for t, p in zip(strides, patch_size)):
        raise ValueError(
            f'strides {strides} must be between 1 and the patch size '
            f'{patch_size} in every axis; larger strides leave voxels that no '
            'window covers')
    if batch_windows < 1:
        raise ValueError(f'batch_windows must be >= 1, got {batch_windows}')

    pads = [pad_amounts(s, p) for s, p in zip(spatial, patch_size)]
    if any(before or after for before, after in pads):
        # F.pad takes (before, after) pairs starting from the last axis.
        flat_pads = [n for pair in reversed(pads) for n in pair]
        inputs = F.pad(inputs, flat_pads, mode='constant', value=0)
    padded = tuple(inputs.shape[2:])

    starts = [
        window_starts(s, p, t)
        for s, p, t in zip(spatial, patch_size, strides)
    ]
    windows = list(itertools.product(*starts))

    # Windows form a grid, so the coverage count factorizes over axes.
    count = torch.ones(padded, device=inputs.device)
    for axis, (s, p, t) in enumerate(zip(spatial, patch_size, strides)):
        shape = [1] * ndim
        shape[axis] = -1
        count = count * _coverage(s, p, t).to(inputs.device).view(shape)

    outputs = []
    for case in inputs:
        score = None
        for first in range(0, len(windows), batch_windows):
            chunk = windows[first:first + batch_windows]
            slices = [
                tuple(slice(start, start + p)
                      for start, p in zip(window, patch_size))
                for window in chunk
            ]
            batch = torch.stack([case[(slice(None), ) + s] for s in slices])
            probs = predict_fn(batch)
            expected_k = (num_out_channels if num_out_channels is not None
                          else (score.shape[0] if score is not None else None))
            if (probs.dim() != ndim + 2 or probs.shape[0] != len(chunk)
                    or tuple(probs.shape[2:]) != patch_size
                    or (expected_k is not None
                        and probs.shape[1] != expected_k)):
                raise ValueError(
                    'predict_fn must return probabilities of shape '
                    f'({len(chunk)}, {expected_k or "K"}, *{patch_size}) for '
                    f'a window batch of shape {tuple(batch.shape)}, got '
                    f'{tuple(probs.shape)}')
            if score is None:
                score = torch.zeros((probs.shape[1], ) + padded,
                                    dtype=torch.float32,
                                    device=inputs.device)
            for s, window_probs in zip(slices, probs):
                score[(slice(None), ) + s] += window_probs.float()
        score = score / count
        crop = tuple(slice(before, before + s)
                     for (before, _), s in zip(pads, spatial))
        outputs.append(score[(slice(None), ) + crop])
    return torch.stack(outputs)
