"""VolumeSegMetric end to end on a few SegVolumeSample cases."""
import csv
import json
import math

import numpy as np
import pytest
import torch
from medpy.metric import binary
from mmengine.evaluator import Evaluator

from mmssl.evaluation import VolumeSegMetric, largest_connected_component
from mmssl.registry import METRICS
from mmssl.structures.seg_volume_sample import SegVolumeSample

SHAPE = (24, 20, 16)
SPACINGS = [(0.625, 0.625, 1.0), (1.0, 1.0, 1.0), (0.8, 0.8, 2.5)]


def box_mask(low, high, shape=SHAPE):
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(slice(a, b) for a, b in zip(low, high))] = True
    return mask


def make_cases():
    """Three gt/pred pairs; the third prediction is empty."""
    gts = [
        box_mask((4, 4, 3), (16, 14, 11)),
        box_mask((6, 2, 2), (20, 12, 12)),
        box_mask((8, 8, 4), (14, 15, 10)),
    ]
    preds = [
        box_mask((5, 4, 3), (17, 15, 12)),
        box_mask((6, 3, 2), (18, 12, 14)) | box_mask((0, 0, 0), (2, 2, 2)),
        np.zeros(SHAPE, dtype=bool),
    ]
    return preds, gts


def make_samples(preds, gts, spacings=SPACINGS, label=1):
    samples = []
    for index, (pred, gt) in enumerate(zip(preds, gts)):
        sample = SegVolumeSample(
            metainfo=dict(
                case_name=f'case{index}',
                img_path=f'/data/case{index}.h5',
                spacing=spacings[index],
                ori_shape=SHAPE))
        sample.gt_label = torch.from_numpy(gt.astype(np.int64) * label)
        sample.pred_label = torch.from_numpy(pred.astype(np.int64) * label)
        samples.append(sample)
    return samples


def medpy_case(pred, gt, spacing=None):
    return dict(
        dice=binary.dc(pred, gt),
        jaccard=binary.jc(pred, gt),
        hd95=binary.hd95(pred, gt, spacing),
        asd=binary.asd(pred, gt, spacing))


def evaluate(metric, samples):
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_reference_policy_matches_reference_scripts(tmp_path):
    preds, gts = make_cases()
    metric = VolumeSegMetric(output_dir=str(tmp_path))
    result = evaluate(metric, make_samples(preds, gts))

    # UA-MT/DTC test_all_case: an empty prediction is (0, 0, 0, 0).
    rows = [medpy_case(p, g) for p, g in zip(preds[:2], gts[:2])]
    rows.append(dict(dice=0.0, jaccard=0.0, hd95=0.0, asd=0.0))
    for name in ('dice', 'jaccard', 'hd95', 'asd'):
        values = [row[name] for row in rows]
        assert result[name] == pytest.approx(np.mean(values), abs=1e-9)
        assert result[f'{name}_std'] == pytest.approx(
            np.std(values), abs=1e-9)
    assert result['num_cases'] == 3
    assert result['num_empty_pred'] == 1
    assert result['num_empty_gt'] == 0
    assert metric.results == []  # evaluate() resets

    with open(tmp_path / 'per_case.csv') as file:
        per_case = list(csv.DictReader(file))
    assert [row['case_name'] for row in per_case] == [
        'case0', 'case1', 'case2'
    ]
    assert list(per_case[0]) == [
        'case_name', 'dice', 'jaccard', 'hd95', 'asd', 'empty_pred',
        'empty_gt'
    ]
    for row, expected in zip(per_case, rows):
        for name, value in expected.items():
            assert float(row[name]) == pytest.approx(value, abs=1e-9)
    assert [row['empty_pred'] for row in per_case] == ['0', '0', '1']

    with open(tmp_path / 'summary.csv') as file:
        summary = {row['metric']: row for row in csv.DictReader(file)}
    assert float(summary['dice']['mean']) == pytest.approx(result['dice'])
    assert float(summary['hd95']['std']) == pytest.approx(
        result['hd95_std'])
    assert summary['asd']['num_valid'] == '3'

    summary_json = json.loads((tmp_path / 'summary.json').read_text())
    assert summary_json['empty_pred_policy'] == 'reference'
    assert summary_json['num_empty_pred'] == 1
    assert summary_json['metrics']['jaccard']['mean'] == pytest.approx(
        result['jaccard'])


def test_nan_policy_excludes_empty_predictions(tmp_path):
    preds, gts = make_cases()
    metric = VolumeSegMetric(empty_pred='nan', output_dir=str(tmp_path))
    result = evaluate(metric, make_samples(preds, gts))

    rows = [medpy_case(p, g) for p, g in zip(preds[:2], gts[:2])]
    dices = [rows[0]['dice'], rows[1]['dice'], 0.0]
    assert result['dice'] == pytest.approx(np.mean(dices))
    assert result['dice_std'] == pytest.approx(np.std(dices))
    for name in ('hd95', 'asd'):  # mean over the two scorable cases
        values = [row[name] for row in rows]
        assert result[name] == pytest.approx(np.mean(values))
        assert result[f'{name}_std'] == pytest.approx(np.std(values))
    assert result['num_empty_pred'] == 1

    with open(tmp_path / 'per_case.csv') as file:
        per_case = list(csv.DictReader(file))
    assert per_case[2]['dice'] == '0.0'
    assert math.isnan(float(per_case[2]['hd95']))
    summary_json = json.loads((tmp_path / 'summary.json').read_text())
    assert summary_json['metrics']['hd95']['num_valid'] == 2
    assert summary_json['metrics']['dice']['num_valid'] == 3


def test_dict_samples_through_mmengine_evaluator():
    """The val loop's Evaluator turns samples into flat dicts first."""
    preds, gts = make_cases()
    reference = evaluate(VolumeSegMetric(), make_samples(preds, gts))
    evaluator = Evaluator(dict(type='mmssl.VolumeSegMetric', prefix='val'))
    evaluator.process(data_samples=make_samples(preds, gts))
    result = evaluator.evaluate(3)
    assert result['val/dice'] == pytest.approx(reference['dice'])
    assert result['val/hd95'] == pytest.approx(reference['hd95'])

    # Plain dicts passed straight to the metric work too.
    dicts = [sample.to_dict() for sample in make_samples(preds, gts)]
    assert evaluate(VolumeSegMetric(), dicts)['asd'] == pytest.approx(
        reference['asd'])


def test_registry_and_spacing():
    preds, gts = make_cases()
    metric = METRICS.build(
        dict(type='VolumeSegMetric', use_spacing=True,
             metric_names=['hd95']))
    assert isinstance(metric, VolumeSegMetric)
    result = evaluate(metric, make_samples(preds[:2], gts[:2]))
    expected = [
        binary.hd95(p, g, spacing)
        for p, g, spacing in zip(preds[:2], gts[:2], SPACINGS)
    ]
    assert result['hd95'] == pytest.approx(np.mean(expected))
    assert set(result) == {
        'hd95', 'hd95_std', 'num_cases', 'num_empty_pred', 'num_empty_gt'
    }


def test_largest_component_filtering():
    preds, gts = make_cases()
    # Case 1's prediction has a stray 8-voxel cube far from the object.
    samples = make_samples(preds[:2], gts[:2])
    result = evaluate(VolumeSegMetric(largest_component=True), samples)
    filtered = [largest_connected_component(p) for p in preds[:2]]
    assert filtered[1].sum() == preds[1].sum() - 8
    rows = [medpy_case(p, g) for p, g in zip(filtered, gts[:2])]
    for name in ('dice', 'hd95', 'asd'):
        assert result[name] == pytest.approx(
            np.mean([row[name] for row in rows]))
    unfiltered = evaluate(VolumeSegMetric(), make_samples(preds[:2], gts[:2]))
    assert result['asd'] < unfiltered['asd']


def test_multiclass_per_class_and_mean(tmp_path):
    gt = np.zeros(SHAPE, dtype=np.int64)
    gt[2:10, 2:10, 2:10] = 1
    gt[12:20, 5:15, 4:12] = 2
    pred = np.zeros(SHAPE, dtype=np.int64)
    pred[3:10, 2:11, 2:10] = 1
    pred[12:19, 6:15, 4:13] = 2
    pred_missing_class = np.where(pred == 2, 0, pred)
    samples = make_samples([pred, pred_missing_class], [gt, gt],
                           spacings=SPACINGS[:2])
    # Labels 0..2 already; the helper multiplies by label=1.
    metric = VolumeSegMetric(
        num_classes=3, empty_pred='nan', output_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=('background', 'liver', 'tumour'))
    result = evaluate(metric, samples)

    liver = [medpy_case(p == 1, gt == 1) for p in (pred, pred_missing_class)]
    tumour = medpy_case(pred == 2, gt == 2)
    assert result['dice_liver'] == pytest.approx(
        np.mean([row['dice'] for row in liver]))
    assert result['dice_tumour'] == pytest.approx(
        np.mean([tumour['dice'], 0.0]))
    assert result['hd95_tumour'] == pytest.approx(tumour['hd95'])
    # Case value = mean over classes (NaN ignored), then mean over cases.
    case_hd95 = [(liver[0]['hd95'] + tumour['hd95']) / 2, liver[1]['hd95']]
    assert result['hd95'] == pytest.approx(np.mean(case_hd95))
    assert result['hd95_std'] == pytest.approx(np.std(case_hd95))
    case_dice = [(liver[0]['dice'] + tumour['dice']) / 2,
                 liver[1]['dice'] / 2]
    assert result['dice'] == pytest.approx(np.mean(case_dice))
    assert result['num_empty_pred'] == 1

    with open(tmp_path / 'per_case.csv') as file:
        per_case = list(csv.DictReader(file))
    assert per_case[1]['empty_pred_tumour'] == '1'
    assert per_case[1]['empty_pred_liver'] == '0'
    assert float(per_case[0]['dice_liver']) == pytest.approx(
        liver[0]['dice'])


def test_2d_samples():
    gt = np.zeros((32, 32), dtype=np.int64)
    gt[8:20, 10:24] = 1
    pred = np.zeros_like(gt)
    pred[9:21, 10:22] = 1
    sample = SegVolumeSample(metainfo=dict(case_name='slice0'))
    sample.gt_label = gt
    sample.pred_label = pred[None]  # a leading channel axis is tolerated
    result = evaluate(VolumeSegMetric(), [sample])
    expected = medpy_case(pred.astype(bool), gt.astype(bool))
    for name, value in expected.items():
        assert result[name] == pytest.approx(value)


class TestErrors:

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match='empty_pred'):
            VolumeSegMetric(empty_pred='zero')
        with pytest.raises(ValueError, match='num_classes'):
            VolumeSegMetric(num_classes=1)
        with pytest.raises(ValueError, match='unknown metric'):
            VolumeSegMetric(metric_names=('dice', 'hausdorff'))

    def test_missing_fields_name_the_case(self):
        sample = SegVolumeSample(metainfo=dict(case_name='lonely'))
        sample.gt_label = np.zeros(SHAPE, dtype=np.int64)
        with pytest.raises(ValueError, match="'lonely' has no pred_label"):
            VolumeSegMetric().process(None, [sample])
        with pytest.raises(ValueError, match="'lonely' has no gt_label"):
            VolumeSegMetric().process(None, [
                dict(case_name='lonely', pred_label=np.zeros(SHAPE))
            ])

    def test_shape_mismatch_names_the_case(self):
        sample = SegVolumeSample(metainfo=dict(case_name='skewed'))
        sample.gt_label = np.zeros(SHAPE, dtype=np.int64)
        sample.pred_label = np.zeros((24, 20, 15), dtype=np.int64)
        with pytest.raises(ValueError, match="'skewed'.*differs"):
            VolumeSegMetric().process(None, [sample])

    def test_labels_out_of_range(self):
        sample = SegVolumeSample(metainfo=dict(case_name='three'))
        sample.gt_label = np.full(SHAPE, 2, dtype=np.int64)
        sample.pred_label = np.zeros(SHAPE, dtype=np.int64)
        with pytest.raises(ValueError, match="'three'.*num_classes=2"):
            VolumeSegMetric().process(None, [sample])

    def test_missing_spacing(self):
        sample = SegVolumeSample(metainfo=dict(case_name='nospacing'))
        sample.gt_label = np.ones(SHAPE, dtype=np.int64)
        sample.pred_label = np.ones(SHAPE, dtype=np.int64)
        with pytest.raises(ValueError, match="'nospacing' has no 'spacing'"):
            VolumeSegMetric(use_spacing=True).process(None, [sample])
