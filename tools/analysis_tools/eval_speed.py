"""Time the fast evaluation path against a straightforward reference.

    python tools/analysis_tools/eval_speed.py CONFIG [--checkpoint CKPT]
        [--data-root DIR] [--cases N] [--repeats R] [--largest-component]
        [--variants reference fast_fp32 fast_bf16] [--out FILE.json]

On the same test volumes and weights (the checkpoint, or random weights
drawn with the config's seed), three evaluations:

* ``reference``: one window at a time, fp32, contiguous tensors, metrics
  with medpy's ``dc``, ``jc``, ``hd95``, ``asd`` on the full volume
  (largest component with ``skimage.measure.label``, as DTC's test);
* ``fast_fp32``: the config's window batch, channels-last memory format,
  BatchNorm folded into the convolutions, ``mmssl.evaluation`` metrics
  (cropped surface distances, scipy labels);
* ``fast_bf16``: ``fast_fp32`` with the forward passes under bfloat16
  autocast (float16 with ``--gpu-dtype float16`` on a GPU).

Per volume: inference and metric seconds (median of ``--repeats``), and the
differences of each fast variant from the reference (probabilities, label
maps, metrics). Dice differences are in points (percent).
"""
import argparse
import copy
import json
import platform
import sys
import time

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmssl  # noqa: F401
from mmssl.engine.checkpoint import read_checkpoint_safely
from mmssl.evaluation import compute_case_metrics
from mmssl.evaluation.functional import largest_connected_component
from mmssl.models.segmentors.volume_segmentor import VolumeSegmentor
from mmssl.registry import MODELS
from mmssl.utils import load_config

VARIANTS = ('reference', 'fast_fp32', 'fast_bf16')
METRICS = ('dice', 'jaccard', 'hd95', 'asd')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='weights (default: random '
                        "weights drawn with the config's seed)")
    parser.add_argument('--data-root')
    parser.add_argument('--cases', type=int, default=2,
                        help='test volumes to evaluate')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs per volume and variant; the median '
                        'leaves out the first run\'s warm-up (kernel '
                        'selection) from 3 on')
    parser.add_argument('--largest-component', action='store_true',
                        help='keep the largest component of each class')
    parser.add_argument('--variants', nargs='+', choices=VARIANTS,
                        default=list(VARIANTS))
    parser.add_argument('--gpu-dtype', default='float16',
                        choices=['bfloat16', 'float16'],
                        help='reduced precision of fast_bf16 on a GPU')
    parser.add_argument('--out', help='also write the figures to this json')
    return parser.parse_args(argv)


def _sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def _segmentors(model):
    return [m for m in model.modules() if isinstance(m, VolumeSegmentor)]


def _configure(model, variant, autocast_dtype):
    for segmentor in _segmentors(model):
        cfg = segmentor.test_cfg
        if variant == 'reference':
            cfg.update(channels_last=False, autocast=None)
            if cfg['mode'] == 'slide':
                cfg['batch_windows'] = 1
            elif cfg['mode'] == 'slice':
                cfg['batch_slices'] = 1
        else:
            cfg.update(channels_last=True, fold_bn=True, autocast=(
                autocast_dtype if variant == 'fast_bf16' else None))
    return model


# ------------------------------------------------------------ metrics --
def _reference_largest_component(mask):
    """DTC's getLargestCC: skimage labels, the most frequent non-zero."""
    from skimage.measure import label
    labels = label(mask)
    if labels.max() == 0:
        return mask.copy()
    return labels == np.argmax(np.bincount(labels.flat)[1:]) + 1


def _reference_metrics(pred, gt):
    from medpy.metric import binary
    if not pred.any() or not gt.any():
        return None
    return dict(dice=binary.dc(pred, gt), jaccard=binary.jc(pred, gt),
                hd95=binary.hd95(pred, gt), asd=binary.asd(pred, gt))


def score(pred_label, gt_label, num_classes, reference, largest_component):
    """Per foreground class, the four metrics (None where a mask is
    empty; the reference raises there)."""
    per_class = []
    for class_index in range(1, num_classes):
        pred = pred_label == class_index
        gt = gt_label == class_index
        if largest_component:
            pred = (_reference_largest_component(pred) if reference else
                    largest_connected_component(pred))
        if reference:
            per_class.append(_reference_metrics(pred, gt))
        elif pred.any() and gt.any():
            per_class.append(compute_case_metrics(pred, gt))
        else:
            per_class.append(None)
    return per_class


# -------------------------------------------------------------- main --
def evaluate_variant(model, variant, data, num_classes, args, device):
    """Timed inference and scoring of one volume; the last run's output."""
    model = model.eval()
    infer_times, metric_times = [], []
    for _ in range(args.repeats):
        _sync(device)
        start = time.perf_counter()
        with torch.no_grad():
            batch = model.data_preprocessor(copy.deepcopy(data))
            sample = model.predict(batch['inputs'],
                                   batch['data_samples'])[0]
        _sync(device)
        infer_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        pred = sample.pred_label.cpu().numpy()
        gt = sample.gt_label.cpu().numpy()
        metrics = score(pred, gt, num_classes, variant == 'reference',
                        args.largest_component)
        metric_times.append(time.perf_counter() - start)
    return dict(inference_s=float(np.median(infer_times)),
                metrics_s=float(np.median(metric_times)),
                total_s=float(np.median(infer_times) +
                              np.median(metric_times)),
                metrics=metrics), sample


def _differences(result, ref_result, sample, ref_sample):
    probs = sample.seg_logits.float()
    ref_probs = ref_sample.seg_logits.float()
    diff = dict(
        max_prob_diff=float((probs - ref_probs).abs().max()),
        label_voxels_differing=int(
            (sample.pred_label != ref_sample.pred_label).sum()))
    for name in METRICS:
        deltas = [abs(ours[name] - ref[name])
                  for ours, ref in zip(result['metrics'],
                                       ref_result['metrics'])
                  if ours is not None and ref is not None]
        scale = 100 if name in ('dice', 'jaccard') else 1
        diff[f'max_{name}_diff' + ('_points' if scale == 100 else '')] = (
            max(deltas) * scale if deltas else None)
    return diff


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, data_root=args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmssl'))
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    autocast_dtype = args.gpu_dtype if device.type == 'cuda' else 'bfloat16'
    torch.manual_seed(cfg.randomness.get('seed', 0))
    base = MODELS.build(cfg.model)
    if args.checkpoint:
        checkpoint = read_checkpoint_safely(args.checkpoint)
        base.load_state_dict(checkpoint.get('state_dict', checkpoint))
    base = base.to(device)
    models = {v: _configure(copy.deepcopy(base), v, autocast_dtype)
              for v in args.variants}
    segmentor = _segmentors(base)[0]
    num_classes = getattr(segmentor.seg_head, 'num_classes', 2)

    loader = Runner.build_dataloader(cfg.test_dataloader)
    cases = []
    for index, data in enumerate(loader):
        if index >= args.cases:
            break
        case = dict(case_name=data['data_samples'][0].metainfo.get(
            'case_name', str(index)),
            shape=list(data['inputs'][0].shape[1:]))
        outputs = {}
        for variant in args.variants:
            case[variant], outputs[variant] = evaluate_variant(
                models[variant], variant, data, num_classes, args, device)
        if 'reference' in outputs:
            for variant in args.variants:
                if variant == 'reference':
                    continue
                case[variant]['vs_reference'] = _differences(
                    case[variant], case['reference'], outputs[variant],
                    outputs['reference'])
                case[variant]['speedup'] = (case['reference']['total_s'] /
                                            case[variant]['total_s'])
        cases.append(case)
        print(json.dumps(case), flush=True)

    summary = {}
    for variant in args.variants:
        totals = [c[variant]['total_s'] for c in cases]
        summary[variant] = dict(
            mean_total_s=float(np.mean(totals)),
            mean_inference_s=float(np.mean(
                [c[variant]['inference_s'] for c in cases])),
            mean_metrics_s=float(np.mean(
                [c[variant]['metrics_s'] for c in cases])))
        if variant != 'reference' and 'reference' in args.variants:
            summary[variant]['speedup_total'] = (
                summary['reference']['mean_total_s'] /
                summary[variant]['mean_total_s'])
            summary[variant]['max_dice_diff_points'] = max(
                (c[variant]['vs_reference']['max_dice_diff_points'] or 0.0)
                for c in cases)
    report = dict(
        config=args.config, checkpoint=args.checkpoint,
        device=torch.cuda.get_device_name() if device.type == 'cuda' else
        f'cpu ({platform.processor() or platform.machine()}, '
        f'{torch.get_num_threads()} threads)',
        torch=torch.__version__, repeats=args.repeats,
        largest_component=args.largest_component,
        test_cfg=dict(segmentor.test_cfg), cases=cases, summary=summary)
    print(json.dumps(summary, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == '__main__':
    main()
    sys.exit(0)
