"""Pack pipeline results into model inputs and a ``SegVolumeSample``."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmssl.registry import TRANSFORMS
from mmssl.structures import SegVolumeSample


@TRANSFORMS.register_module()
class PackSegVolumeInputs(BaseTransform):
    """Pack ``img`` and labels for the model.

    Returns ``dict(inputs, data_samples)``:

    - ``inputs``: float32 tensor ``(C, *spatial)``.
    - ``data_samples``: ``SegVolumeSample`` with ``gt_label`` (int64,
      spatial shape) when ``gt_seg_map`` is present, ``gt_sdf`` (float32)
      when ``gt_sdf`` is present, and the ``meta_keys`` found in results as
      metainfo. ``labeled`` is always set (from results, else whether a
      ``gt_seg_map`` is present).

    Args:
        meta_keys (sequence[str]): Result keys copied into the metainfo.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('case_name', 'img_path',
                                             'spacing', 'ori_shape',
                                             'img_shape', 'pad_width',
                                             'crop_bbox', 'scale_factor',
                                             'labeled')):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'img' not in results:
            raise KeyError("PackSegVolumeInputs needs 'img' in results")
        img = np.ascontiguousarray(results['img'], dtype=np.float32)
        inputs = torch.from_numpy(img)

        data_sample = SegVolumeSample()
        if 'gt_seg_map' in results:
            gt = np.ascontiguousarray(results['gt_seg_map'], dtype=np.int64)
            data_sample.gt_label = torch.from_numpy(gt)
        if 'gt_sdf' in results:
            sdf = np.ascontiguousarray(results['gt_sdf'], dtype=np.float32)
            data_sample.gt_sdf = torch.from_numpy(sdf)

        metainfo = {key: results[key] for key in self.meta_keys
                    if key in results}
        metainfo['labeled'] = bool(
            results.get('labeled', 'gt_seg_map' in results))
        data_sample.set_metainfo(metainfo)
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self):
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
