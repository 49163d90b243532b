"""The ACDC dataset configs end to end: tools/train.py --test on a tiny copy
of the SSL4MIS layout, every method's real ACDC config."""
import re

import h5py
import numpy as np
import pytest
from mmengine.config import Config

from tool_runner import REPO, assert_ok, run_tool, tiny_version

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


def test_base_configs_hold_the_ssl4mis_constants():
    supervised = Config.fromfile(f'{REPO}/configs/_base_/datasets/acdc.py')
    loader = supervised.train_dataloader
    assert loader.batch_size == 24
    assert loader.dataset.split == 'train_labeled'
    assert loader.dataset.labeled_patients == 7
    augmentation = loader.dataset.pipeline[0]
    assert augmentation.type == 'Compose'
    assert dict(type='ResizeTo', size=(256, 256),
                order=0) in augmentation.transforms
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


# Every method at 7 patients, SASSNet at 3 (its other weight); the real
# configs with tiny_acdc.py (and tiny_acdc_semi.py) on top.
CONFIGS = [
    ('supervised/unet_acdc_7label.py', ('tiny_acdc.py', )),
    ('mean_teacher/mt_unet_acdc_7label.py',
     SEMI := ('tiny_acdc.py', 'tiny_acdc_semi.py')),
    ('uamt/uamt_unet_acdc_7label.py', SEMI),
    ('dtc/dtc_unet_acdc_7label.py', SEMI),
    ('sassnet/sassnet_unet_acdc_3label.py', SEMI),
]


@pytest.mark.parametrize('config, tiny', CONFIGS,
                         ids=[c.split('/')[0] for c, _ in CONFIGS])
def test_acdc_config_trains_and_tests(tmp_path, acdc_root, config, tiny):
    path = tiny_version(f'configs/{config}', tmp_path, tiny=tiny)
    # 64 x 64 slices instead of 256 x 256: list indices only work here.
    result = run_tool('train.py', path, '--work-dir', tmp_path / 'work',
                      '--data-root', acdc_root, '--test', '--cfg-options',
                      'train_dataloader.dataset.pipeline.0.transforms.1.size'
                      '=[64,64]', 'model.test_cfg.slice_size=[64,64]')
    assert_ok(result)
    log = result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines()
                if line.startswith(f'Test results ({path.name}):'))
    keys = per_class_keys(line)
    for metric in ('dice', 'jaccard', 'hd95', 'asd'):
        assert {metric, f'{metric}_RV', f'{metric}_Myo',
                f'{metric}_LV'} <= keys
    assert f'num_cases={len(TEST)}' in line
    # Validated once on the val volumes (Dice and 95HD per class), and the
    # best checkpoint kept.
    assert 'dice_Myo:' in log and f'over {len(VAL)} cases' in log
    assert list((tmp_path / 'work').glob('best_dice_iter_2.pth'))
    # ... and that one is tested, as SSL4MIS tests its best model.
    assert ('Testing the best validation checkpoint best_dice_iter_2.pth'
            in result.stdout)
    if config.startswith('supervised'):
        assert 'loss_consistency' not in log
    else:
        term = {'mean_teacher': 'consistency', 'uamt': 'consistency',
                'dtc': 'dual_task', 'sassnet': 'adversarial'}
        assert f'loss_{term[config.split("/")[0]]}:' in log


def test_method_configs_hold_the_ssl4mis_constants():
    """Constants of the ACDC method configs against SSL4MIS's 2-D scripts
    (train_fully_supervised_2D.py, train_mean_teacher_2D.py,
    train_uncertainty_aware_mean_teacher_2D.py)."""
    sup = Config.fromfile(f'{REPO}/configs/supervised/unet_acdc_7label.py')
    assert sup.train_dataloader.batch_size == 24
    assert sup.train_cfg.max_iters == 30000
    assert sup.train_cfg.val_interval == 200
    assert sup.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
    assert sup.param_scheduler == [
        dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=30000,
             by_epoch=False)
    ]
    assert sup.default_hooks.checkpoint.save_best == 'dice'
    assert sup.model.test_cfg.mode == 'slice'
    assert sup.val_dataloader.dataset.split == 'val'
    assert sup.randomness.seed == 1337
    for budget in (3, 7):
        for config in (f'supervised/unet_acdc_{budget}label.py',
                       f'mean_teacher/mt_unet_acdc_{budget}label.py',
                       f'uamt/uamt_unet_acdc_{budget}label.py',
                       f'dtc/dtc_unet_acdc_{budget}label.py',
                       f'sassnet/sassnet_unet_acdc_{budget}label.py'):
            cfg = Config.fromfile(f'{REPO}/configs/{config}')
            assert cfg.train_dataloader.dataset.labeled_patients == budget
            assert cfg.model.test_cfg == sup.model.test_cfg, config

    mt = Config.fromfile(f'{REPO}/configs/mean_teacher/'
                         'mt_unet_acdc_7label.py')
    assert mt.train_dataloader.sampler.labeled_per_batch == 12
    (term, ) = mt.model.unsup_terms
    assert term.weight == 0.1
    assert term.schedule == dict(type='SigmoidRampUp', length=200,
                                 step_size=150, zero_before=1000)
    assert mt.model.teacher_input_noise == dict(
        type='ClampedGaussianNoise', std=0.1, clip=0.2)
    assert mt.custom_hooks == [
        dict(type='EMATeacherHook', decay=0.99, warmup='uamt')
    ]

    uamt = Config.fromfile(f'{REPO}/configs/uamt/uamt_unet_acdc_7label.py')
    (term, ) = uamt.model.unsup_terms
    assert term.schedule == dict(type='SigmoidRampUp', length=200,
                                 step_size=150)
    # SSL4MIS: (0.75 + 0.25 r) ln 2 with 4 classes, / (2 sum(mask)).
    assert np.isclose(term.threshold_start * np.log(4), 0.75 * np.log(2))
    assert np.isclose(term.threshold_end * np.log(4), np.log(2))
    assert term.channel_divisor == 2
    assert term.estimator == dict(type='MCDropoutUncertainty', passes=8)
    assert uamt.model.teacher == dict(mode='train')

    dtc = Config.fromfile(f'{REPO}/configs/dtc/dtc_unet_acdc_3label.py')
    assert dtc.test_evaluator.largest_component
    weights = [
        Config.fromfile(f'{REPO}/configs/sassnet/sassnet_unet_acdc_'
                        f'{b}label.py').model.unsup_terms[0].weight
        for b in (7, 3)
    ]
    assert weights == [0.01, 0.015]
