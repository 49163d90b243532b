import numpy as np
import pytest
import torch

from mmssl.structures import SegVolumeSample


def test_holds_volumes_and_metainfo():
    sample = SegVolumeSample(
        metainfo=dict(case_name='case0', spacing=(1.0, 1.0, 2.5),
                      ori_shape=(20, 18, 12), labeled=False))
    sample.gt_label = np.zeros((20, 18, 12), np.uint8)
    sample.gt_sdf = torch.zeros(1, 20, 18, 12)
    sample.seg_logits = torch.rand(2, 20, 18, 12)
    sample.pred_label = torch.zeros(20, 18, 12, dtype=torch.long)
    assert isinstance(sample.gt_label, torch.Tensor)  # numpy converted
    assert sample.gt_label.shape == (20, 18, 12)
    assert sample.case_name == 'case0'
    assert not sample.is_labeled
    assert set(sample.keys()) == {'gt_label', 'gt_sdf', 'seg_logits',
                                  'pred_label'}
    moved = sample.to('cpu')
    assert moved.seg_logits.shape == (2, 20, 18, 12)
    del sample.gt_sdf
    assert 'gt_sdf' not in sample


def test_two_dimensional_and_default_labeled():
    sample = SegVolumeSample()
    sample.gt_label = torch.zeros(32, 32, dtype=torch.long)
    assert sample.is_labeled
    assert sample.gt_label.dim() == 2


def test_rejects_non_arrays():
    sample = SegVolumeSample()
    with pytest.raises(TypeError, match='gt_label'):
        sample.gt_label = [[0, 1], [1, 0]]
