"""Slice-by-slice inference of a 2-D model on volumes.

The 2-D protocol of SSL4MIS (ACDC): every slice of a test volume is resized
to the training size, segmented by the 2-D network and its prediction
resized back to the slice's own size; the slices are stacked into the
volume, which is then scored in 3-D. Here class probabilities (not labels)
are resized back, bilinearly, and the label is their argmax.
"""
from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F

RESIZE_MODES = ('bilinear', 'nearest', 'bicubic')


def _resize(images: torch.Tensor, size: Sequence[int], mode: str,
            align_corners: bool) -> torch.Tensor:
    if tuple(images.shape[2:]) == tuple(size):
        return images
    if mode == 'nearest':
        # 'nearest' takes no align_corners argument.
        return F.interpolate(images, size=tuple(size), mode=mode)
    return F.interpolate(images, size=tuple(size), mode=mode,
                         align_corners=align_corners)


def slice_inference(inputs: torch.Tensor,
                    predict_fn: Callable[[torch.Tensor], torch.Tensor],
                    slice_size: Optional[Sequence[int]] = None,
                    slice_axis: int = 0,
                    batch_slices: int = 16,
                    num_out_channels: Optional[int] = None,
                    resize_mode: str = 'bilinear',
                    align_corners: bool = True) -> torch.Tensor:
    """Segment volumes slice by slice with a 2-D model.

    Args:
        inputs: (N, C, S0, S1, S2) volumes.
        predict_fn: Maps (B, C, *slice_size) slices to probabilities
            (B, K, *slice_size).
        slice_size: (h, w) the model sees; None keeps each slice's size.
        slice_axis: Spatial axis (0, 1 or 2, or negative) along which the
            volume is cut; 0 is D of ACDC's (D, H, W).
        batch_slices: Slices passed to ``predict_fn`` at once (a case's
            slices are never mixed with another case's).
        num_out_channels: K; checked against the predictions if given.
        resize_mode: ``F.interpolate`` mode of both resizes (slices to
            ``slice_size`` and probabilities back). Defaults to bilinear.
        align_corners: For the linear modes. True (default) matches the
            grid of ``scipy.ndimage.zoom`` and thus of the ``ResizeTo``
            training transform, so a test slice is resized exactly as the
            training slices were.

    Returns:
        (N, K, S0, S1, S2) float32 probabilities on the input's device.
    """
    if inputs.dim() != 5:
        raise ValueError('slice inference needs volumes of shape (N, C, D, '
                         f'H, W), got {tuple(inputs.shape)}')
    if not -3 <= slice_axis <= 2:
        raise ValueError(f'slice_axis must be a spatial axis 0..2 (or -3..-1)'
                         f', got {slice_axis}')
    if batch_slices < 1:
        raise ValueError(f'batch_slices must be >= 1, got {batch_slices}')
    if resize_mode not in RESIZE_MODES:
        raise ValueError(f'resize_mode must be one of {RESIZE_MODES}, got '
                         f'{resize_mode!r}')
    if slice_size is not None:
        slice_size = tuple(int(s) for s in slice_size)
        if len(slice_size) != 2 or min(slice_size) < 1:
            raise ValueError('slice_size must be two positive sizes (h, w), '
                             f'got {slice_size}')

    # Slices along the chosen axis become the batch axis: (N, S, C, h, w).
    axis = 2 + slice_axis % 3
    volumes = inputs.movedim(axis, 2).transpose(1, 2)
    plane = tuple(volumes.shape[3:])
    model_size = slice_size or plane

    outputs = []
    for volume in volumes:
        parts = []
        for first in range(0, volume.shape[0], batch_slices):
            batch = _resize(volume[first:first + batch_slices], model_size,
                            resize_mode, align_corners)
            probs = predict_fn(batch)
            if (probs.dim() != 4 or probs.shape[0] != batch.shape[0]
                    or tuple(probs.shape[2:]) != model_size
                    or (num_out_channels is not None
                        and probs.shape[1] != num_out_channels)):
                raise ValueError(
                    'predict_fn must return probabilities of shape '
                    f'({batch.shape[0]}, {num_out_channels or "K"}, '
                    f'*{model_size}) for slices of shape '
                    f'{tuple(batch.shape)}, got {tuple(probs.shape)}')
            parts.append(_resize(probs.float(), plane, resize_mode,
                                 align_corners))
        # (S, K, h, w) -> (K, S, h, w) -> the slice axis back in place.
        outputs.append(torch.cat(parts).transpose(0, 1).movedim(
            1, 1 + slice_axis % 3))
    return torch.stack(outputs)
