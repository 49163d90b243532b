"""The ACDC dataset configs end to end: tools/train.py --test on a tiny copy
of the SSL4MIS layout, with a narrow 2-D VNet."""
import re

import h5py
import numpy as np
import pytest
from mmengine.config import Config

from tool_runner import REPO, assert_ok, run_tool

PATIENTS = ['patient001', 'patient002', 'patient003', 'patient004']
FRAMES = ['frame01', 'frame12']
TEST = ['patient095_frame01', 'patient096_frame05']
VAL = ['patient091_frame01']
SHAPE = (20, 24)


def heart(seed):
    """Image and label of a slice: LV (3) in a myocardium ring (2), RV (1)
    beside it, intensity by class plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    cy, cx = rng.uniform(8, 12), rng.uniform(9, 13)
    radius = np.hypot(yy - cy, xx - cx)
    label = np.zeros(SHAPE, np.uint8)
    label[np.hypot(yy - cy, xx - cx - 7) < 4] = 1
    label[radius < 6] = 2
    label[radius < 4] = 3
    image = np.clip(label / 4 + rng.normal(0, 0.05, SHAPE), 0, 1)
    return image.astype(np.float32), label


def write(path, image, label):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, 'w') as h5_file:
        h5_file.create_dataset('image', data=image)
        h5_file.create_dataset('label', data=label)


@pytest.fixture(scope='module')
def acdc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('acdc') / 'ACDC'
    names = [f'{p}_{f}_slice_{k}' for p in PATIENTS for f in FRAMES
             for k in range(3)]
    for seed, name in enumerate(names):
        write(root / 'data' / 'slices' / f'{name}.h5', *heart(seed))
    for index, name in enumerate(TEST + VAL):
        pairs = [heart(100 + 3 * index + k) for k in range(3)]
        write(root / 'data' / f'{name}.h5', np.stack([p[0] for p in pairs]),
              np.stack([p[1] for p in pairs]))
    for list_name, entries in (('train_slices.list', names),
                               ('test.list', TEST), ('val.list', VAL)):
        (root / list_name).write_text('\n'.join(entries) + '\n')
    return root


# Settings shared by both tiny configs: a narrow 2-D VNet tested slice by
# slice, a few iterations, loaders without workers.
COMMON = """
slice_size = (32, 32)
segmentor = dict(
    type='VolumeSegmentor',
    backbone=dict(type='VNet', in_channels=1, base_channels=4, ndim=2),
    heads=dict(seg=dict(type='SegHead', in_channels=4, num_classes=4,
                        ndim=2)),
    test_cfg=dict(mode='slice', slice_size=slice_size, batch_slices=2))
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='ResizeTo', size=slice_size),
    dict(type='PackSegVolumeInputs'),
]
test_dataloader = dict(num_workers=0, persistent_workers=False)
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=2, max_keep_ckpts=1))
"""

SUPERVISED = f"""
_base_ = [
    '{REPO}/configs/_base_/datasets/acdc.py',
    '{REPO}/configs/_base_/schedules/sgd_600.py',
    '{REPO}/configs/_base_/default_runtime.py'
]
{COMMON}
model = segmentor
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(labeled_patients=2, pipeline=train_pipeline))
# Validation on val.list as SSL4MIS, the opt-in of the base config.
val_dataloader = {{{{_base_.acdc_val_dataloader}}}}
val_evaluator = {{{{_base_.acdc_val_evaluator}}}}
val_cfg = dict(_delete_=True, type='ValLoop')
"""

MEAN_TEACHER = f"""
_base_ = [
    '{REPO}/configs/_base_/datasets/acdc_semi.py',
    '{REPO}/configs/_base_/schedules/sgd_600.py',
    '{REPO}/configs/_base_/default_runtime.py'
]
{COMMON}
model = dict(
    type='SemiSegmentor',
    segmentor=segmentor,
    teacher=dict(mode='train'),
    teacher_input_noise=dict(type='ClampedGaussianNoise', std=0.1, clip=0.2),
    unsup_terms=[
        dict(type='SoftmaxMSEConsistency', name='consistency', weight=0.1,
             schedule=dict(type='SigmoidRampUp', length=40, step_size=15))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(batch_size=4, labeled_per_batch=2),
    dataset=dict(labeled_patients=1, pipeline=train_pipeline))
"""


def test_base_configs_hold_the_ssl4mis_constants():
    supervised = Config.fromfile(f'{REPO}/configs/_base_/datasets/acdc.py')
    loader = supervised.train_dataloader
    assert loader.batch_size == 24
    assert loader.dataset.split == 'train_labeled'
    assert loader.dataset.labeled_patients == 7
    assert dict(type='ResizeTo', size=(256, 256)) in loader.dataset.pipeline
    assert supervised.test_dataloader.dataset.split == 'test'
    assert supervised.test_evaluator.num_classes == 4
    assert supervised.slice_test_cfg == dict(
        mode='slice', slice_size=(256, 256), slice_axis=0, batch_slices=16)
    assert supervised.acdc_val_dataloader.dataset.split == 'val'
    semi = Config.fromfile(f'{REPO}/configs/_base_/datasets/acdc_semi.py')
    assert semi.train_dataloader.batch_size == 24
    assert semi.train_dataloader.sampler == dict(
        type='TwoStreamSampler', batch_size=24, labeled_per_batch=12)
    assert semi.train_dataloader.dataset.split == 'train'


def per_class_keys(line):
    return set(re.findall(r'(\w+)=', line))


# The base val loader has a worker; none is quicker here.
NO_VAL_WORKERS = ('--cfg-options', 'val_dataloader.num_workers=0',
                  'val_dataloader.persistent_workers=False')


@pytest.mark.parametrize(
    'name, text, options',
    [('tiny_acdc_sup.py', SUPERVISED, NO_VAL_WORKERS),
     ('tiny_acdc_mt.py', MEAN_TEACHER, ())],
    ids=['supervised', 'mean_teacher'])
def test_acdc_config_trains_and_tests(tmp_path, acdc_root, name, text,
                                      options):
    config = tmp_path / name
    config.write_text(text)
    result = run_tool('train.py', config, '--work-dir', tmp_path / 'work',
                      '--data-root', acdc_root, '--test', *options)
    assert_ok(result)
    log = result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines()
                if line.startswith(f'Test results ({name}):'))
    keys = per_class_keys(line)
    for metric in ('dice', 'hd95'):
        assert {metric, f'{metric}_RV', f'{metric}_Myo',
                f'{metric}_LV'} <= keys
    assert f'num_cases={len(TEST)}' in line
    if name == 'tiny_acdc_sup.py':
        # Validated once, on the val volumes, with per-class Dice.
        assert 'dice_Myo:' in log and f'over {len(VAL)} cases' in log
    else:
        assert 'loss_consistency:' in log
