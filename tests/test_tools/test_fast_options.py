"""--channels-last / --compile / --amp: config wiring, the training hooks,
and one short training run in channels-last format."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from tool_runner import REPO, assert_ok, load_tool, run_tool

import mmssl.models  # noqa: F401
from mmssl.engine.hooks import ChannelsLastHook, CompileHook
from mmssl.models.semi import SemiSegmentor
from mmssl.models.utils.fast_inference import is_channels_last
from mmssl.structures import SegVolumeSample
from mmssl.utils import enable_compile, set_test_options

MT_CONFIG = osp.join(REPO, 'configs', 'mean_teacher',
                     'mt_vnet_synthetic_2label.py')
TINY = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_synthetic.py')


def _tool(name):
    return load_tool(f'{name}.py')


def test_train_flags_reach_the_config():
    train = _tool('train')
    cfg = train.build_config(train.parse_args(
        [MT_CONFIG, '--channels-last', '--compile', '--amp']))
    types = [h['type'] for h in cfg.custom_hooks]
    assert 'ChannelsLastHook' in types and 'CompileHook' in types
    assert 'EMATeacherHook' in types  # the config's own hooks stay
    # The semi-supervised model's test_cfg lives in its segmentor.
    assert cfg.model.segmentor.test_cfg['channels_last'] is True
    assert cfg.optim_wrapper.type in ('AutocastOptimWrapper',
                                      'AmpOptimWrapper')
    plain = train.build_config(train.parse_args([MT_CONFIG]))
    assert 'ChannelsLastHook' not in [h['type'] for h in plain.custom_hooks]
    assert 'channels_last' not in plain.model.segmentor.test_cfg


def test_test_flags_reach_the_config(tmp_path):
    test = _tool('test')
    checkpoint = tmp_path / 'w.pth'
    checkpoint.write_bytes(b'')
    cfg = test.build_config(test.parse_args(
        [MT_CONFIG, str(checkpoint), '--channels-last', '--amp']))
    test_cfg = cfg.model.segmentor.test_cfg
    assert test_cfg['channels_last'] is True
    expected = 'float16' if torch.cuda.is_available() else 'bfloat16'
    assert test_cfg['autocast'] == expected
    cfg = test.build_config(test.parse_args(
        [TINY, str(checkpoint), '--amp', 'float16', '--fold-bn']))
    assert cfg.model.test_cfg['autocast'] == 'float16'
    assert cfg.model.test_cfg['fold_bn'] is True
    assert 'channels_last' not in cfg.model.test_cfg
    with pytest.raises(SystemExit):
        test.parse_args([TINY, str(checkpoint), '--amp', 'fp8'])


def test_speed_benchmark_flags_reach_the_config():
    speed = load_tool('analysis_tools/benchmark.py')
    cfg = speed.build_config(speed.parse_args([TINY, '--fold-bn']))
    assert cfg.model.test_cfg['fold_bn'] is True
    assert 'channels_last' not in cfg.model.test_cfg
    assert 'autocast' not in cfg.model.test_cfg
    plain = speed.build_config(speed.parse_args([TINY]))
    assert 'fold_bn' not in plain.model.test_cfg


def test_option_errors_are_clear():
    cfg = Config(dict(model=dict(type='Toy')))
    with pytest.raises(ValueError, match='no test_cfg'):
        set_test_options(cfg, channels_last=True)
    cfg = Config(dict(model=dict(test_cfg=dict()), compile=True))
    with pytest.raises(ValueError, match='either it or --compile'):
        enable_compile(cfg)
    with pytest.raises(ValueError, match='at least one module name'):
        CompileHook(module_names=())


SEGMENTOR = dict(
    type='VolumeSegmentor',
    backbone=dict(type='VNet', base_channels=4, has_dropout=False),
    heads=dict(seg=dict(type='SegHead', in_channels=4, num_classes=2)))


def _mean_teacher():
    torch.manual_seed(0)
    return SemiSegmentor(
        segmentor=copy.deepcopy(SEGMENTOR), teacher=dict(mode='eval'),
        unsup_terms=[dict(type='SoftmaxMSEConsistency', weight=1.0)])


def _batch():
    torch.manual_seed(1)
    samples = []
    for i in range(4):
        sample = SegVolumeSample(metainfo=dict(labeled=i < 2))
        if i < 2:
            sample.gt_label = (torch.rand(16, 16, 16) > 0.5).long()
        samples.append(sample)
    return dict(inputs=[torch.rand(1, 16, 16, 16) for _ in range(4)],
                data_samples=samples)


def _runner(model):
    return SimpleNamespace(model=model,
                           logger=MMLogger.get_instance('test_fast_options'))


def _step(model):
    optim = OptimWrapper(torch.optim.SGD(model.student.parameters(), lr=0.1))
    return model.train().train_step(_batch(), optim)


def test_channels_last_hook_converts_model_and_inputs():
    plain, model = _mean_teacher(), _mean_teacher()
    weights = model.student.backbone.encoder_stages[0][0].weight
    ChannelsLastHook().before_train(_runner(model))
    for part in (model.student, model.teacher):
        convs = [p for p in part.parameters() if p.dim() == 5]
        assert convs and all(is_channels_last(p) for p in convs)
    # The same Parameter objects: the optimizer still holds them.
    assert model.student.backbone.encoder_stages[0][0].weight is weights
    inputs = model.data_preprocessor(_batch())['inputs']
    assert is_channels_last(inputs) and inputs.shape == (4, 1, 16, 16, 16)
    # One training step: the same losses as in the default layout.
    torch.testing.assert_close(_step(model), _step(plain), rtol=1e-4,
                               atol=1e-5)
    # SGD updated the weights in place, in their layout.
    assert all(is_channels_last(p) for p in model.student.parameters()
               if p.dim() == 5)


def test_compile_hook_compiles_every_backbone():
    model = _mean_teacher()
    state_keys = list(model.state_dict())
    hook = CompileHook(backend='eager')  # compiles in seconds
    hook.before_train(_runner(model))
    assert hook.compiled == ['student.backbone', 'teacher.backbone']
    assert model.student.backbone._compiled_call_impl is not None
    assert list(model.state_dict()) == state_keys  # checkpoints unchanged
    plain = _mean_teacher()
    torch.testing.assert_close(_step(model), _step(plain), rtol=1e-4,
                               atol=1e-5)
    with pytest.raises(ValueError, match="no submodule named \\['encoder'\\]"):
        CompileHook(module_names='encoder').before_train(_runner(model))


def test_train_tool_runs_in_channels_last(tmp_path):
    result = run_tool('train.py', TINY, '--channels-last', '--test',
                      '--work-dir', tmp_path / 'work', '--data-root',
                      tmp_path / 'data')
    assert_ok(result)
    assert 'Test results' in result.stdout
    checkpoint = torch.load(tmp_path / 'work' / 'iter_4.pth',
                            weights_only=True)
    assert any(v.dim() == 5 for v in checkpoint['state_dict'].values())
