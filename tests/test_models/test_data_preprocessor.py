import pytest
import torch

import mmssl.models  # noqa: F401
from mmssl.models import VolumeDataPreprocessor
from mmssl.registry import MODELS
from mmssl.structures import SegVolumeSample


def make_sample(name, shape=(4, 4, 4)):
    sample = SegVolumeSample(metainfo=dict(case_name=name))
    sample.gt_label = torch.zeros(shape, dtype=torch.uint8)
    return sample


def test_stacks_and_casts_to_float32():
    preprocessor = MODELS.build(dict(type='VolumeDataPreprocessor'))
    inputs = [torch.zeros(1, 4, 4, 4, dtype=torch.float64),
              torch.ones(1, 4, 4, 4, dtype=torch.float64)]
    samples = [make_sample('a'), make_sample('b')]
    out = preprocessor(dict(inputs=inputs, data_samples=samples),
                       training=True)
    assert set(out) == {'inputs', 'data_samples'}
    assert out['inputs'].shape == (2, 1, 4, 4, 4)
    assert out['inputs'].dtype == torch.float32
    assert torch.equal(out['inputs'][1], torch.ones(1, 4, 4, 4))
    assert [s.case_name for s in out['data_samples']] == ['a', 'b']
    assert out['data_samples'][0].gt_label.shape == (4, 4, 4)


def test_integer_images_and_2d_inputs():
    preprocessor = VolumeDataPreprocessor()
    out = preprocessor(dict(inputs=[torch.full((3, 8, 6), 7,
                                               dtype=torch.uint8)]))
    assert out['inputs'].shape == (1, 3, 8, 6)
    assert out['inputs'].dtype == torch.float32
    assert out['inputs'].max().item() == 7.0
    assert out['data_samples'] is None


def test_already_stacked_batch_is_accepted():
    out = VolumeDataPreprocessor()(
        dict(inputs=torch.zeros(2, 1, 4, 4, 4, dtype=torch.float16),
             data_samples=[make_sample('a'), make_sample('b')]))
    assert out['inputs'].dtype == torch.float32
    assert out['inputs'].shape == (2, 1, 4, 4, 4)


def test_moves_to_model_device():
    preprocessor = VolumeDataPreprocessor()
    preprocessor.to('meta')  # a device other than the CPU inputs live on
    out = preprocessor(dict(inputs=[torch.zeros(1, 4, 4, 4)],
                            data_samples=[make_sample('a')]))
    assert out['inputs'].device.type == 'meta'
    assert out['data_samples'][0].gt_label.device.type == 'meta'


def test_different_shapes_name_the_cases():
    preprocessor = VolumeDataPreprocessor()
    data = dict(inputs=[torch.zeros(1, 4, 4, 4), torch.zeros(1, 4, 4, 5)],
                data_samples=[make_sample('case_a'), make_sample('case_b')])
    expected = r'case_a: \(1, 4, 4, 4\), case_b: \(1, 4, 4, 5\)'
    with pytest.raises(ValueError, match=expected):
        preprocessor(data)


def test_bad_batches():
    preprocessor = VolumeDataPreprocessor()
    with pytest.raises(TypeError, match="'inputs'"):
        preprocessor(dict(images=[torch.zeros(1, 4, 4, 4)]))
    with pytest.raises(ValueError, match='channel axis'):
        preprocessor(dict(inputs=[torch.zeros(4, 4)]))
    with pytest.raises(ValueError, match='1 images but 2 data samples'):
        preprocessor(dict(inputs=[torch.zeros(1, 4, 4, 4)],
                          data_samples=[make_sample('a'), make_sample('b')]))
