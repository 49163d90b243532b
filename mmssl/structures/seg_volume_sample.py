"""Data sample for volumetric (3-D) and 2-D segmentation.

MMEngine's ``PixelData`` only holds 2-D maps (and MMSeg's ``SegDataSample``
is built on it), so volumes are stored here as plain tensors with their
spatial shape: ``(H, W, D)`` for volumes, ``(H, W)`` for images, with a
leading channel axis for multi-channel fields (logits, SDF maps).

Fields (all optional):
    gt_label:   integer labels, spatial shape.
    gt_sdf:     signed-distance targets, ``(C, *spatial)``.
    pred_label: predicted labels, spatial shape (original image grid).
    seg_logits: class probabilities or logits, ``(C, *spatial)``.

Metainfo keys used across mmssl:
    case_name, img_path, spacing, ori_shape, img_shape, pad_width,
    crop_bbox, labeled.
"""
import numpy as np
import torch
from mmengine.structures import BaseDataElement

_TENSOR_FIELDS = ('gt_label', 'gt_sdf', 'pred_label', 'seg_logits')


def _as_tensor(value, name):
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value))
    if not isinstance(value, torch.Tensor):
        raise TypeError(f'{name} must be a torch.Tensor or numpy array, '
                        f'got {type(value).__name__}')
    return value


class SegVolumeSample(BaseDataElement):
    """One case: its labels, targets, predictions and metadata."""

    @property
    def gt_label(self) -> torch.Tensor:
        return self._gt_label

    @gt_label.setter
    def gt_label(self, value):
        self.set_field(_as_tensor(value, 'gt_label'), '_gt_label',
                       dtype=torch.Tensor)

    @gt_label.deleter
    def gt_label(self):
        del self._gt_label

    @property
    def gt_sdf(self) -> torch.Tensor:
        return self._gt_sdf

    @gt_sdf.setter
    def gt_sdf(self, value):
        self.set_field(_as_tensor(value, 'gt_sdf'), '_gt_sdf',
                       dtype=torch.Tensor)

    @gt_sdf.deleter
    def gt_sdf(self):
        del self._gt_sdf

    @property
    def pred_label(self) -> torch.Tensor:
        return self._pred_label

    @pred_label.setter
    def pred_label(self, value):
        self.set_field(_as_tensor(value, 'pred_label'), '_pred_label',
                       dtype=torch.Tensor)

    @pred_label.deleter
    def pred_label(self):
        del self._pred_label

    @property
    def seg_logits(self) -> torch.Tensor:
        return self._seg_logits

    @seg_logits.setter
    def seg_logits(self, value):
        self.set_field(_as_tensor(value, 'seg_logits'), '_seg_logits',
                       dtype=torch.Tensor)

    @seg_logits.deleter
    def seg_logits(self):
        del self._seg_logits

    @property
    def is_labeled(self) -> bool:
        """Labeled unless the metainfo says otherwise."""
        return bool(self.metainfo.get('labeled', True))
