"""A few iterations of each synthetic 2-D config, end to end through
tools/train.py --test."""
import pytest
import torch

from tool_runner import assert_ok, run_tool, tiny_version

CONFIGS = {
    'configs/supervised/unet_synthetic2d_8label.py':
    ['loss_ce:', 'loss_dice:'],
    'configs/supervised/mmseg_unet_synthetic2d_8label.py':
    ['loss_ce:', 'loss_dice:'],
    'configs/mean_teacher/mt_unet_synthetic2d_8label.py':
    ['loss_ce:', 'loss_consistency:', 'consistency_weight:'],
    'configs/uamt/uamt_unet_synthetic2d_8label.py':
    ['loss_consistency:', 'consistency_mask_ratio:'],
    'configs/dtc/dtc_unet_synthetic2d_8label.py':
    ['loss_dice:', 'sdf.loss_sdf:', 'loss_dual_task:'],
    'configs/sassnet/sassnet_unet_synthetic2d_8label.py':
    ['sdf.loss_sdf:', 'loss_adversarial:', 'loss_discriminator:'],
}


@pytest.mark.parametrize('config', list(CONFIGS))
def test_2d_config_trains_and_tests(config, tmp_path):
    work_dir = tmp_path / 'work'
    result = run_tool('train.py', tiny_version(config, tmp_path, 'tiny_2d.py'),
                      '--work-dir', work_dir, '--data-root',
                      tmp_path / 'data', '--test')
    assert_ok(result)
    log = result.stdout + result.stderr
    for key in CONFIGS[config]:
        assert key in log, key
    assert 'loss: nan' not in log
    # Per-class metrics of the 4-class task on the one test image.
    test_line = next(line for line in result.stdout.splitlines()
                     if line.startswith('Test results'))
    for key in ('dice=', 'dice_RV=', 'dice_Myo=', 'dice_LV=', 'hd95=',
                'num_cases=1'):
        assert key in test_line, key
    weights = torch.load(work_dir / 'iter_3.pth',
                         weights_only=True)['state_dict']
    if 'mmseg' in config:
        assert any('backbone.decoder' in k for k in weights)
    else:
        assert any('backbone.encoder.4.' in k for k in weights)
