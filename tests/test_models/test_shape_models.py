"""SDF head, SASSNet's discriminator and adversarial train step."""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmssl.models.semi import SemiBatch
from mmssl.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmssl.structures import SegVolumeSample


# ---------------------------------------------------------------- SDF head --
def test_sdf_head_is_a_tanh_regression_against_gt_sdf():
    head = MODELS.build(dict(type='SDFHead', in_channels=4))
    assert head.num_classes == 1
    (loss, ) = head.losses
    assert type(loss).__name__ == 'SDFRegressionLoss'
    assert loss.loss_weight == 0.3
    feat = torch.randn(2, 4, 6, 6, 5) * 10
    out = head(feat)
    assert out.shape == (2, 1, 6, 6, 5)
    assert torch.equal(out, torch.tanh(head.conv_sdf(feat)))
    assert out.abs().max() <= 1
    samples = [SegVolumeSample(), SegVolumeSample()]
    targets = torch.rand(2, 1, 6, 6, 5) * 2 - 1
    for sample, target in zip(samples, targets):
        sample.gt_sdf = target
    losses = head.loss_by_samples(out, samples)
    assert list(losses) == ['loss_sdf']
    assert losses['loss_sdf'].item() == pytest.approx(
        0.3 * F.mse_loss(out, targets).item(), rel=1e-6)


def test_sdf_head_errors_name_the_problem():
    head = MODELS.build(dict(type='SDFHead', in_channels=4, num_classes=2))
    out = head(torch.randn(1, 4, 4, 4, 4))
    no_target = SegVolumeSample(metainfo=dict(case_name='la_007'))
    with pytest.raises(KeyError, match='la_007.*GenerateSDF'):
        head.loss_by_samples(out, [no_target])
    one_map = SegVolumeSample()
    one_map.gt_sdf = torch.zeros(1, 4, 4, 4)
    with pytest.raises(ValueError, match='num_classes - 1 = 2'):
        head.loss_by_samples(out, [one_map])
    with pytest.raises(ValueError, match='SDFHead expects'):
        head(torch.randn(1, 3, 4, 4, 4))


def test_sdf_head_2d():
    head = MODELS.build(dict(type='SDFHead', in_channels=3, ndim=2))
    assert head(torch.randn(2, 3, 8, 8)).shape == (2, 1, 8, 8)


# ----------------------------------------------------------- discriminator --
class _LiteralFC3DDiscriminator(nn.Module):
    """SASSNet's discriminator as its paper and script describe it, with the
    fixed AvgPool3d((7, 7, 5)) of the 112x112x80 patch."""

    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv3d(1, 64, 4, 2, 1)
        self.conv1 = nn.Conv3d(1, 64, 4, 2, 1)
        self.conv2 = nn.Conv3d(64, 128, 4, 2, 1)
        self.conv3 = nn.Conv3d(128, 256, 4, 2, 1)
        self.conv4 = nn.Conv3d(256, 512, 4, 2, 1)
        self.avgpool = nn.AvgPool3d((7, 7, 5))
        self.classifier = nn.Linear(512, 2)

    def forward(self, sdf, image):
        x = F.leaky_relu(self.conv0(sdf) + self.conv1(image), 0.2)
        x = F.leaky_relu(self.conv2(x), 0.2)
        x = F.leaky_relu(self.conv3(x), 0.2)
        x = F.leaky_relu(self.conv4(x), 0.2)
        return self.classifier(self.avgpool(x).flatten(1))


def _to_literal(disc):
    literal = _LiteralFC3DDiscriminator()
    names = dict(map_conv='conv0', image_conv='conv1', **{
        f'stages.{i}.0': f'conv{i + 2}' for i in range(3)
    }, classifier='classifier')
    state = {}
    for key, value in disc.state_dict().items():
        module, _, param = key.rpartition('.')
        state[f'{names[module]}.{param}'] = value
    literal.load_state_dict(state)
    return literal


def test_discriminator_on_the_reference_patch_matches_sassnet():
    torch.manual_seed(0)
    disc = MODELS.build(dict(type='ShapeDiscriminator'))
    literal = _to_literal(disc)
    assert sum(p.numel() for p in disc.parameters()) == sum(
        p.numel() for p in literal.parameters())
    sdf = torch.tanh(torch.randn(2, 1, 112, 112, 80))
    image = torch.randn(2, 1, 112, 112, 80)
    disc.eval()
    with torch.no_grad():
        out = disc(sdf, image)
        assert out.shape == (2, 2)
        assert torch.allclose(out, literal(sdf, image), atol=1e-5)
        # Dropout3d after the first three activations in train mode only.
        disc.train()
        assert not torch.allclose(disc(sdf, image), out, atol=1e-5)
    dropouts = [m for m in disc.modules() if isinstance(m, nn.Dropout3d)]
    assert len(dropouts) == 3 and all(m.p == 0.5 for m in dropouts)


def test_discriminator_other_sizes_2d_and_errors():
    disc = MODELS.build(dict(type='ShapeDiscriminator', base_channels=8))
    assert disc(torch.zeros(3, 1, 64, 64, 32),
                torch.zeros(3, 1, 64, 64, 32)).shape == (3, 2)
    disc2d = MODELS.build(
        dict(type='ShapeDiscriminator', base_channels=8, ndim=2))
    assert disc2d(torch.zeros(2, 1, 64, 64),
                  torch.zeros(2, 1, 64, 64)).shape == (2, 2)
    with pytest.raises(ValueError, match='ShapeDiscriminator expects'):
        disc(torch.zeros(1, 1, 32, 32, 16), torch.zeros(1, 1, 32, 32, 8))


# ------------------------------------------------------- adversarial step --
SEGMENTOR = dict(
    type='VolumeSegmentor',
    backbone=dict(type='VNet', base_channels=4),
    heads=dict(
        seg=dict(type='SegHead', in_channels=4, num_classes=1,
                 losses=[dict(type='DiceLoss')]),
        sdf=dict(type='SDFHead', in_channels=4)))
DISCRIMINATOR = dict(type='ShapeDiscriminator', base_channels=4)
SIZE = (32, 32, 16)


def _model(weight=0.5):
    return MODELS.build(
        dict(type='AdversarialSemiSegmentor',
             segmentor=SEGMENTOR,
             discriminator=DISCRIMINATOR,
             unsup_terms=[dict(type='AdversarialShapeTerm', weight=weight)]))


def _data(seed=0):
    generator = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(4):
        sample = SegVolumeSample(
            metainfo=dict(case_name=f'c{i}', labeled=i < 2))
        if i < 2:
            label = (torch.rand(SIZE, generator=generator) > 0.6).long()
            sample.gt_label = label
            sample.gt_sdf = torch.rand((1, ) + SIZE, generator=generator)
        inputs.append(torch.randn((1, ) + SIZE, generator=generator))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _optim_wrapper(model):
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='SubmoduleOptimWrapperConstructor',
             optim_wrapper_cfg=dict(
                 student=dict(type='OptimWrapper',
                              optimizer=dict(type='SGD', lr=0.01,
                                             momentum=0.9,
                                             weight_decay=1e-4)),
                 discriminator=dict(type='OptimWrapper',
                                    optimizer=dict(type='Adam', lr=1e-4,
                                                   betas=(0.9, 0.99))))))
    return constructor(model)


def test_adversarial_term_is_ce_of_d_on_unlabeled_maps():
    torch.manual_seed(0)
    disc = MODELS.build(DISCRIMINATOR).eval()
    term = MODELS.build(dict(type='AdversarialShapeTerm', weight=0.01))
    sdf = torch.tanh(torch.randn(4, 1, *SIZE))
    inputs = torch.randn(4, 1, *SIZE)
    batch = SemiBatch(inputs=inputs, data_samples=[None] * 4,
                      labeled=torch.tensor([0, 1]),
                      unlabeled=torch.tensor([2, 3]),
                      student_outputs=dict(seg=sdf, sdf=sdf),
                      iteration=0, max_iters=10, discriminator=disc)
    out = term(batch)
    expected = F.cross_entropy(disc(sdf[2:], inputs[2:]),
                               torch.ones(2, dtype=torch.long))
    assert out['loss_adversarial'].item() == pytest.approx(
        0.01 * expected.item(), rel=1e-5)
    batch.discriminator = None
    with pytest.raises(RuntimeError, match='AdversarialSemiSegmentor'):
        term(batch)


def _literal_sassnet_step(model, data, weight):
    """One iteration of SASSNet's training script, on copies."""
    student = copy.deepcopy(model.student)
    disc = copy.deepcopy(model.discriminator)
    sgd = torch.optim.SGD(student.parameters(), lr=0.01, momentum=0.9,
                          weight_decay=1e-4)
    adam = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.9, 0.99))
    x = torch.stack(data['inputs'])
    labels = torch.stack([s.gt_label for s in data['data_samples'][:2]])
    gt_sdf = torch.stack([s.gt_sdf for s in data['data_samples'][:2]])
    d_target = torch.tensor([1, 1, 0, 0])

    student.train()
    disc.eval()
    out = student.head_outputs(x)
    prob = torch.sigmoid(out['seg'])
    inter = (prob[:2, 0] * labels).sum()
    dice = 1 - (2 * inter + 1e-5) / ((prob[:2, 0]**2).sum() +
                                     (labels**2).sum() + 1e-5)
    loss_sdf = F.mse_loss(out['sdf'][:2], gt_sdf)
    loss_adv = F.cross_entropy(disc(out['sdf'][2:], x[2:]), d_target[:2])
    loss = dice + 0.3 * loss_sdf + weight * loss_adv
    sgd.zero_grad()
    loss.backward()
    sgd.step()

    student.eval()
    disc.train()
    with torch.no_grad():
        out = student.head_outputs(x)
    d_loss = F.cross_entropy(disc(out['sdf'], x), d_target)
    adam.zero_grad()
    d_loss.backward()
    adam.step()
    return student, disc, loss.item(), d_loss.item()


def test_train_step_equals_sassnet_iteration():
    MessageHub.get_current_instance().update_info('iter', 0)
    torch.manual_seed(0)
    model = _model(weight=0.5)
    data = _data()
    wrapper = _optim_wrapper(model)
    assert isinstance(wrapper, OptimWrapperDict)

    torch.manual_seed(1)
    ref_student, ref_disc, ref_loss, ref_d_loss = _literal_sassnet_step(
        model, data, 0.5)
    torch.manual_seed(1)
    model.train()
    log_vars = model.train_step(data, wrapper)

    assert log_vars['loss'].item() == pytest.approx(ref_loss, rel=1e-5)
    assert log_vars['loss_discriminator'].item() == pytest.approx(
        ref_d_loss, rel=1e-5)
    assert 0 <= log_vars['discriminator_acc'].item() <= 1
    for ours, ref in ((model.student, ref_student),
                      (model.discriminator, ref_disc)):
        for (name, p), q in zip(ours.named_parameters(), ref.parameters()):
            assert torch.allclose(p, q, atol=1e-6), name
    # Both modules moved; the student is back in train mode and D's
    # gradients from the student's step did not leak into its update.
    assert model.student.training
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_train_step_needs_both_optimizers():
    model = _model()
    single = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match='student.*discriminator'):
        model.train_step(_data(), single)


def test_submodule_constructor_checks_coverage_and_names():
    model = _model()
    only_student = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='SubmoduleOptimWrapperConstructor',
             optim_wrapper_cfg=dict(student=dict(
                 type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)))))
    with pytest.raises(ValueError, match='never be updated.*discriminator'):
        only_student(model)
    unknown = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='SubmoduleOptimWrapperConstructor',
             optim_wrapper_cfg=dict(generator=dict(
                 type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)))))
    with pytest.raises(AttributeError, match='generator'):
        unknown(model)
    wrappers = _optim_wrapper(model)
    assert type(wrappers['discriminator'].optimizer).__name__ == 'Adam'
    params = {id(p) for group in wrappers['student'].param_groups
              for p in group['params']}
    assert params == {id(p) for p in model.student.parameters()}
