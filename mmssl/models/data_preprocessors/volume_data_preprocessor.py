"""Moves a collated batch to the model's device and stacks the images."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mmssl.registry import MODELS


def _case_names(data_samples: Optional[Sequence], count: int) -> list:
    names = []
    for i in range(count):
        name = None
        if data_samples is not None and i < len(data_samples):
            name = data_samples[i].metainfo.get('case_name')
        names.append(name if name is not None else f'#{i}')
    return names


@MODELS.register_module()
class VolumeDataPreprocessor(BaseDataPreprocessor):
    """Stack per-case images (C, *spatial) into a float32 (N, C, *spatial).

    Normalization and cropping happen in the data pipeline, so this only
    moves data to the device, casts and stacks. All images of a batch must
    have the same shape (the training pipeline crops fixed-size patches; the
    test loader uses batch size 1 for whole volumes).

    Args:
        non_blocking: Passed to ``Tensor.to`` when moving to the device.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        if not isinstance(data, dict) or 'inputs' not in data:
            raise TypeError('VolumeDataPreprocessor expects a dict with key '
                            "'inputs' (and optionally 'data_samples'), got "
                            f'{type(data).__name__}'
                            + (f' with keys {sorted(data)}'
                               if isinstance(data, dict) else ''))
        data = self.cast_data(data)
        inputs = data['inputs']
        data_samples = data.get('data_samples', None)
        if isinstance(inputs, torch.Tensor):
            # Already a batch, e.g. built by hand in a script.
            batch = inputs
        else:
            inputs = list(inputs)
            if not inputs:
                raise ValueError('VolumeDataPreprocessor got an empty batch')
            for i, img in enumerate(inputs):
                if not isinstance(img, torch.Tensor):
                    raise TypeError(
                        f'inputs[{i}] must be a torch.Tensor (C, *spatial), '
                        f'got {type(img).__name__}')
            shapes = [tuple(img.shape) for img in inputs]
            if len(set(shapes)) > 1:
                names = _case_names(data_samples, len(inputs))
                raise ValueError(
                    'Cannot stack images of different shapes into a batch: '
                    + ', '.join(f'{n}: {s}' for n, s in zip(names, shapes))
                    + '. Crop to a fixed patch size or use batch_size=1.')
            batch = torch.stack(inputs)
        if batch.dim() < 4:
            raise ValueError(
                'Stacked inputs must be (N, C, H, W) or (N, C, H, W, D), got '
                f'{tuple(batch.shape)}; each image needs a channel axis')
        if data_samples is not None and len(data_samples) != len(batch):
            raise ValueError(f'Got {len(batch)} images but '
                             f'{len(data_samples)} data samples')
        return dict(inputs=batch.float(), data_samples=data_samples)
