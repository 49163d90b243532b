"""tools/analysis_tools/perturbation_check.py: predictions from clean and
perturbed inputs, scored against the labels and against each other."""
import json
import math

import numpy as np
import pytest

from tool_runner import assert_ok, load_tool, run_tool, tiny_version

check = load_tool('analysis_tools/perturbation_check.py')


def test_dice_and_case_scores_by_hand():
    a = np.array([[1, 1, 0], [0, 2, 2]])
    b = np.array([[1, 0, 0], [0, 2, 0]])
    assert check.dice(a == 1, b == 1) == pytest.approx(2 / 3)
    assert math.isnan(check.dice(a == 3, b == 3))
    scores = check.case_scores(a, [b, a], gt=a, classes={1: 'x', 2: 'y'})
    assert scores[1]['clean'] == 1.0
    assert scores[1]['perturbed'] == pytest.approx([2 / 3, 1.0])
    assert scores[2]['agreement'] == pytest.approx([2 / 3, 1.0])
    summary = check.summarize([scores], {1: 'x', 2: 'y'})
    assert summary['x']['dice_perturbed'] == pytest.approx(5 / 6)
    assert summary['x']['dice_change'] == pytest.approx(5 / 6 - 1)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('perturbation')
    config = tiny_version('configs/mean_teacher/mt_unet_synthetic2d_8label.py',
                          tmp_path, 'tiny_2d.py')
    work_dir = tmp_path / 'work'
    assert_ok(run_tool('train.py', config, '--work-dir', work_dir,
                       '--data-root', tmp_path / 'data'))
    return tmp_path, config, work_dir / 'iter_3.pth'


def _run(trained, *args):
    tmp_path, config, checkpoint = trained
    out = tmp_path / 'check.json'
    check.main([str(config), str(checkpoint), '--data-root',
                str(tmp_path / 'data'), '--out', str(out), *map(str, args)])
    return json.loads(out.read_text())


def test_no_perturbation_changes_nothing(trained):
    report = _run(trained, '--noise-std', '0', '--draws', '2')
    assert list(report['classes']) == ['RV', 'Myo', 'LV']
    for row in report['classes'].values():
        assert row['dice_change'] == 0.0
        assert row['agreement'] == 1.0 or math.isnan(row['agreement'])


def test_the_configs_teacher_noise_and_a_strong_one(trained):
    report = _run(trained)
    assert report['perturbation'] == 'ClampedGaussianNoise(std=0.1, clip=0.2)'
    strong = _run(trained, '--noise-std', '5', '--noise-clip', '10')
    agreements = [row['agreement'] for row in strong['classes'].values()
                  if not math.isnan(row['agreement'])]
    assert agreements and min(agreements) < 1.0


def test_a_config_without_teacher_noise_needs_the_option(trained, tmp_path):
    config = tiny_version('configs/supervised/unet_synthetic2d_8label.py',
                          tmp_path, 'tiny_2d.py')
    _, _, checkpoint = trained
    with pytest.raises(SystemExit, match='--noise-std'):
        check.main([str(config), str(checkpoint)])
