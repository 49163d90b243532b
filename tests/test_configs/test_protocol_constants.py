"""The LA configs reproduce the constants of the published protocols.

Every value is read from the built config, model, sampler and hooks, not
from the config text alone.
"""
import math
import os.path as osp

import pytest
from mmengine.config import Config

from mmssl.datasets.seeding import unpack_key
from mmssl.registry import DATA_SAMPLERS, HOOKS, MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


class _FakeDataset:
    """Just enough of a dataset for the sampler: 80 cases, first N labeled.
    """

    def __init__(self, num_labeled):
        self.num_labeled = num_labeled

    def __len__(self):
        return 80

    def get_data_info(self, index):
        return dict(labeled=index < self.num_labeled)


def check_shared_la_protocol(cfg, num_labeled, sdf_target=False):
    # Training schedule: SGD 0.01 / 0.9 / 1e-4, x0.1 every 2500, 6000 its
    # (for SASSNet: the segmentation network's optimizer).
    wrapper = cfg.optim_wrapper
    schedulers = cfg.param_scheduler
    if 'optimizer' not in wrapper:
        wrapper = wrapper.student
        schedulers = schedulers['student']
    optimizer = wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.01, 0.9, 1e-4)
    (scheduler, ) = schedulers
    assert scheduler.type == 'MultiStepLR' and not scheduler.by_epoch
    assert list(scheduler.milestones) == [2500, 5000]
    assert scheduler.gamma == 0.1
    assert cfg.train_cfg.max_iters == 6000
    assert cfg.randomness.seed == 1337
    # Data: 112x112x80 crops after rot90 + flip; first N of train.list.
    # DTC / SASSNet: the SDF target of the augmented crop.
    pipeline = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert pipeline == ['RandomRotFlip', 'RandomCrop'] + (
        ['GenerateSDF'] if sdf_target else []) + ['PackSegVolumeInputs']
    assert tuple(cfg.train_dataloader.dataset.pipeline[1].crop_size) == (
        112, 112, 80)
    assert cfg.train_dataloader.dataset.num_labeled == num_labeled
    assert cfg.test_dataloader.dataset.split == 'test'
    # Test: last iteration, no post-processing, reference empty policy.
    assert cfg.test_evaluator.empty_pred == 'reference'


def check_vnet(segmentor):
    backbone = segmentor.backbone
    assert backbone.base_channels == 16
    assert set(backbone.dropout_stages) == {'bottleneck', 'last'}
    assert backbone.dropout.p == 0.5
    assert type(backbone.encoder_stages[0][1]).__name__ == 'BatchNorm3d'
    assert sum(p.numel() for p in segmentor.parameters()) == 9448866
    head = segmentor.seg_head
    assert head.num_classes == 2  # softmax
    losses = {type(loss).__name__: loss.loss_weight for loss in head.losses}
    assert losses == {'CrossEntropyLoss': 0.5, 'DiceLoss': 0.5}
    assert segmentor.test_cfg['mode'] == 'slide'
    assert tuple(segmentor.test_cfg['patch_size']) == (112, 112, 80)
    assert tuple(segmentor.test_cfg['strides']) == (18, 18, 4)


def check_two_plus_two_batches(cfg, num_labeled):
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.train_dataloader.dataset.split == 'train'
    sampler = DATA_SAMPLERS.build(
        cfg.train_dataloader.sampler,
        default_args=dict(dataset=_FakeDataset(num_labeled), seed=0))
    indices = iter(sampler)
    for _ in range(10):
        batch = [unpack_key(next(indices))[0] for _ in range(4)]
        assert [i < num_labeled for i in batch] == [True, True, False, False]


def check_ema_hook(cfg):
    (hook_cfg, ) = cfg.custom_hooks
    hook = HOOKS.build(hook_cfg)
    assert hook.decay == 0.99 and not hook.update_buffers
    # min(1 - 1/(t+1), 0.99): copy at t=0, 0.5 at t=1, 0.99 from t=99.
    assert hook.decay_at(0) == 0.0
    assert hook.decay_at(1) == 0.5
    assert hook.decay_at(99) == pytest.approx(0.99)
    assert hook.decay_at(5000) == 0.99


def check_consistency_ramp(term, c=0.1):
    assert term.weight == c
    # w(t) = c exp(-5 (1 - min(t // 150, 40) / 40)^2)
    for t in (0, 149, 150, 3000, 5999, 6000, 9000):
        expected = c * math.exp(-5 * (1 - min(t // 150, 40) / 40)**2)
        weight = term.weight * term.schedule(t, 6000)
        assert weight == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize('name,num_labeled',
                         [('uamt/uamt_vnet_la_16label.py', 16),
                          ('uamt/uamt_vnet_la_8label.py', 8)])
def test_uamt_constants(name, num_labeled):
    cfg = load(name)
    check_shared_la_protocol(cfg, num_labeled)
    check_two_plus_two_batches(cfg, num_labeled)
    check_ema_hook(cfg)
    model = MODELS.build(cfg.model)
    check_vnet(model.student)
    assert model.teacher_mode == 'train'  # MC dropout in the teacher
    model.train()
    assert model.teacher.backbone.dropout.training
    assert (model.perturb.std, model.perturb.clip) == (0.1, 0.2)
    (term, ) = model.unsup_terms
    assert type(term).__name__ == 'UncertaintyMaskedConsistency'
    check_consistency_ramp(term)
    estimator = term.estimator
    assert type(estimator).__name__ == 'MCDropoutUncertainty'
    # T = 8: 4 passes over the unlabeled batch duplicated.
    assert (estimator.passes, estimator.batch_repeat) == (8, 2)
    # Threshold (0.75 + 0.25 r(t)) ln 2, r the sigmoid ramp over 6000 its.
    assert (term.threshold_start, term.threshold_end) == (0.75, 1.0)
    for t in (0, 1000, 3000, 6000):
        ramp = math.exp(-5 * (1 - min(t, 6000) / 6000)**2)
        assert term.threshold_schedule(t, 6000) == pytest.approx(ramp)
    assert cfg.test_evaluator.largest_component is False


@pytest.mark.parametrize('name,num_labeled',
                         [('mean_teacher/mt_vnet_la_16label.py', 16),
                          ('mean_teacher/mt_vnet_la_8label.py', 8)])
def test_mean_teacher_constants(name, num_labeled):
    cfg = load(name)
    check_shared_la_protocol(cfg, num_labeled)
    check_two_plus_two_batches(cfg, num_labeled)
    check_ema_hook(cfg)
    model = MODELS.build(cfg.model)
    check_vnet(model.student)
    assert (model.perturb.std, model.perturb.clip) == (0.1, 0.2)
    (term, ) = model.unsup_terms
    assert type(term).__name__ == 'SoftmaxMSEConsistency'
    check_consistency_ramp(term)


@pytest.mark.parametrize('name,num_labeled',
                         [('supervised/vnet_la_16label.py', 16),
                          ('supervised/vnet_la_8label.py', 8)])
def test_supervised_constants(name, num_labeled):
    cfg = load(name)
    check_shared_la_protocol(cfg, num_labeled)
    assert cfg.train_dataloader.dataset.split == 'train_labeled'
    check_vnet(MODELS.build(cfg.model))


def check_shape_vnet(segmentor):
    """DTC / SASSNet: sigmoid seg head (Dice) + tanh SDF head (0.3 MSE)."""
    assert segmentor.backbone.base_channels == 16
    assert set(segmentor.backbone.dropout_stages) == {'bottleneck', 'last'}
    # Two 1-channel heads: the same count as one 2-channel head.
    assert sum(p.numel() for p in segmentor.parameters()) == 9448866
    seg, sdf = segmentor.heads['seg'], segmentor.heads['sdf']
    assert segmentor.seg_head is seg and seg.num_classes == 1
    assert [(type(loss).__name__, loss.loss_weight)
            for loss in seg.losses] == [('DiceLoss', 1.0)]
    assert type(sdf).__name__ == 'SDFHead' and sdf.num_classes == 1
    assert [(type(loss).__name__, loss.loss_weight)
            for loss in sdf.losses] == [('SDFRegressionLoss', 0.3)]
    assert segmentor.test_cfg['mode'] == 'slide'
    assert tuple(segmentor.test_cfg['patch_size']) == (112, 112, 80)
    assert tuple(segmentor.test_cfg['strides']) == (18, 18, 4)


@pytest.mark.parametrize('name,num_labeled',
                         [('dtc/dtc_vnet_la_16label.py', 16),
                          ('dtc/dtc_vnet_la_8label.py', 8)])
def test_dtc_constants(name, num_labeled):
    cfg = load(name)
    check_shared_la_protocol(cfg, num_labeled, sdf_target=True)
    check_two_plus_two_batches(cfg, num_labeled)
    assert not cfg.get('custom_hooks')  # no EMA teacher
    model = MODELS.build(cfg.model)
    assert model.teacher is None
    check_shape_vnet(model.student)
    (term, ) = model.unsup_terms
    assert type(term).__name__ == 'DualTaskConsistency'
    assert term.sdf_head == 'sdf' and term.level_set.k == 1500
    check_consistency_ramp(term, c=1.0)
    assert cfg.test_evaluator.largest_component is True


@pytest.mark.parametrize('name,num_labeled,c',
                         [('sassnet/sassnet_vnet_la_16label.py', 16, 0.01),
                          ('sassnet/sassnet_vnet_la_8label.py', 8, 0.015)])
def test_sassnet_constants(name, num_labeled, c):
    cfg = load(name)
    check_shared_la_protocol(cfg, num_labeled, sdf_target=True)
    check_two_plus_two_batches(cfg, num_labeled)
    disc_optimizer = cfg.optim_wrapper.discriminator.optimizer
    assert (disc_optimizer.type, disc_optimizer.lr,
            tuple(disc_optimizer.betas)) == ('Adam', 1e-4, (0.9, 0.99))
    assert cfg.param_scheduler.discriminator == []
    model = MODELS.build(cfg.model)
    assert model.teacher is None
    check_shape_vnet(model.student)
    (term, ) = model.unsup_terms
    assert type(term).__name__ == 'AdversarialShapeTerm'
    assert term.map_head == 'sdf' and term.target == 1
    check_consistency_ramp(term, c=c)
    disc = model.discriminator
    assert model.discriminator_input == 'sdf'
    assert (disc.map_channels, disc.image_channels) == (1, 1)
    widths = [disc.map_conv.out_channels, disc.image_conv.out_channels] + [
        stage[0].out_channels for stage in disc.stages]
    assert widths == [64, 64, 128, 256, 512]
    assert all(conv.kernel_size == (4, 4, 4) and conv.stride == (2, 2, 2)
               for conv in [disc.map_conv, disc.image_conv] +
               [stage[0] for stage in disc.stages])
    assert cfg.test_evaluator.largest_component is False
