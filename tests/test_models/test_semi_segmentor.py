"""The teacher-student wrapper, with a tiny VNet and a stand-in term."""
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from mmssl.models.semi import SemiBatch, SemiSegmentor
from mmssl.registry import MODELS
from mmssl.structures import SegVolumeSample

SEGMENTOR = dict(
    type='VolumeSegmentor',
    backbone=dict(type='VNet', base_channels=4),
    heads=dict(seg=dict(type='SegHead', in_channels=4, num_classes=2)))


@MODELS.register_module(force=True)
class _RecordingTerm(nn.Module):
    """Records the SemiBatch it gets and returns a loss on the student."""

    name = 'recording'

    def __init__(self):
        super().__init__()
        self.batches = []

    def forward(self, batch: SemiBatch):
        self.batches.append(batch)
        student = batch.student_unlabeled()
        return dict(loss_recording=student.float().pow(2).mean() * 0,
                    recording_weight=torch.tensor(0.5))


def _batch(num_labeled=2, num_unlabeled=2, size=(16, 16, 16)):
    inputs, samples = [], []
    for i in range(num_labeled + num_unlabeled):
        labeled = i < num_labeled
        sample = SegVolumeSample(
            metainfo=dict(case_name=f'c{i}', labeled=labeled))
        if labeled:
            sample.gt_label = (torch.rand(size) > 0.7).long()
        inputs.append(torch.randn(1, *size))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _model(**kwargs):
    kwargs.setdefault('teacher', dict(mode='train'))
    return MODELS.build(dict(type='SemiSegmentor', segmentor=SEGMENTOR,
                             **kwargs))


def test_teacher_mode_survives_model_train():
    model = _model(teacher=dict(mode='train'))
    model.train()
    assert model.teacher.training and model.student.training
    model.eval()
    assert not model.teacher.training
    frozen = _model(teacher=dict(mode='eval'))
    frozen.train()
    assert frozen.student.training and not frozen.teacher.training
    assert not any(m.training for m in frozen.teacher.modules())


def test_teacher_is_not_trained_by_the_optimizer():
    model = _model(unsup_terms=[dict(type='_RecordingTerm')])
    assert all(not p.requires_grad for p in model.teacher.parameters())
    before = [p.clone() for p in model.teacher.parameters()]
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    model.train()
    log_vars = model.train_step(_batch(), optim)
    assert {'loss_ce', 'loss_dice', 'loss_recording'} <= set(log_vars)
    assert 'recording_weight' in log_vars
    for a, b in zip(before, model.teacher.parameters()):
        torch.testing.assert_close(a, b)


def test_student_sees_the_whole_batch_and_terms_get_the_split():
    model = _model(unsup_terms=[dict(type='_RecordingTerm')])
    seen = []
    model.student.backbone.register_forward_hook(
        lambda module, args, out: seen.append(args[0].shape[0]))
    message_hub = MessageHub.get_current_instance()
    message_hub.update_info('iter', 7)
    message_hub.update_info('max_iters', 100)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    model.train()
    model.train_step(_batch(3, 1, size=(32, 32, 16)), optim)
    assert seen == [4]  # one student pass over labeled + unlabeled
    batch = model.unsup_terms[0].batches[-1]
    assert batch.labeled.tolist() == [0, 1, 2]
    assert batch.unlabeled.tolist() == [3]
    assert batch.iteration == 7 and batch.max_iters == 100
    assert batch.teacher_outputs['seg'].shape[0] == 1
    assert not batch.teacher_outputs['seg'].requires_grad


def test_no_teacher_method_and_teacher_predictions_need_one():
    model = _model(teacher=None, unsup_terms=[dict(type='_RecordingTerm')])
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    model.train_step(_batch(), optim)
    assert model.unsup_terms[0].batches[-1].teacher_outputs is None
    with pytest.raises(ValueError, match='needs a teacher'):
        _model(teacher=None, predict_with='teacher')


def test_predict_with_both_fills_teacher_fields():
    model = _model(predict_with='both')
    model.eval()
    data = _batch(1, 0)
    samples = model.val_step(data)
    assert samples[0].pred_label.shape == (16, 16, 16)
    assert samples[0].teacher_pred_label.shape == (16, 16, 16)
    assert samples[0].teacher_seg_logits.shape == (2, 16, 16, 16)


def test_plain_segmentor_checkpoint_loads_into_student_and_teacher():
    plain = MODELS.build(SEGMENTOR)
    model = _model()
    model.load_state_dict(plain.state_dict())
    for name, value in plain.state_dict().items():
        torch.testing.assert_close(model.student.state_dict()[name], value)
        torch.testing.assert_close(model.teacher.state_dict()[name], value)
    # Its own checkpoints load as they are.
    again = _model()
    again.load_state_dict(model.state_dict())


def test_term_names_must_be_distinct():
    with pytest.raises(ValueError, match='recording'):
        _model(unsup_terms=[dict(type='_RecordingTerm'),
                            dict(type='_RecordingTerm')])


def test_is_exported():
    assert MODELS.get('SemiSegmentor') is SemiSegmentor


def test_test_cfg_replaces_the_segmentors_for_student_and_teacher():
    slide = dict(mode='slide', patch_size=(8, 8, 8), strides=(4, 4, 4))
    model = _model(teacher=dict(mode='train'), test_cfg=slide)
    for segmentor in (model.student, model.teacher):
        assert segmentor.test_cfg['mode'] == 'slide'
        assert segmentor.test_cfg['patch_size'] == (8, 8, 8)
    assert _model().student.test_cfg['mode'] == 'whole'
