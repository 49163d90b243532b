"""Check whether a consistency method's input perturbation keeps the label.

    python tools/analysis_tools/perturbation_check.py CONFIG CHECKPOINT
        [--noise-std S] [--noise-clip C] [--draws 3] [--cases N]
        [--data-root DIR] [--cfg-options ...] [--out FILE.json]

Mean Teacher and UA-MT pull the student's prediction on an unlabeled image
towards the teacher's prediction on a perturbed copy. That helps only if
the perturbation leaves the prediction (nearly) unchanged; if it degrades
it, the targets are worse than what the student already predicts.

For each test case the trained network (the student, eval mode, the
config's test-time inference) predicts once from the clean input and
``--draws`` times from the perturbed input. The perturbation is the
config's ``teacher_input_noise``, or ``ClampedGaussianNoise(--noise-std,
--noise-clip)``. Reported per foreground class, as means over cases (and
draws): Dice of the clean and of the perturbed predictions against the
ground truth, and the agreement (Dice) between the clean and the perturbed
predictions. A case where a class is absent from both masks compared does
not count for that class.
"""
import argparse
import copy
import json
import sys

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmssl  # noqa: F401
from mmssl.engine.checkpoint import (check_checkpoint_matches_model,
                                     read_checkpoint_safely)
from mmssl.registry import MODELS
from mmssl.utils import load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--noise-std', type=float,
                        help='perturb with ClampedGaussianNoise of this std '
                        "instead of the config's teacher_input_noise")
    parser.add_argument('--noise-clip', type=float, default=0.2,
                        help='clip of that noise (default 0.2)')
    parser.add_argument('--draws', type=int, default=3,
                        help='perturbed predictions per case')
    parser.add_argument('--cases', type=int,
                        help='only the first N test cases')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the perturbations')
    parser.add_argument('--data-root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='also write the figures to this json')
    return parser.parse_args(argv)


def build_perturbation(cfg, args):
    if args.noise_std is not None:
        return MODELS.build(dict(type='ClampedGaussianNoise',
                                 std=args.noise_std, clip=args.noise_clip))
    noise = cfg.model.get('teacher_input_noise')
    if not noise:
        raise SystemExit(
            f'{args.config} has no model.teacher_input_noise; give the '
            'perturbation to check with --noise-std (and --noise-clip)')
    return MODELS.build(noise)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice of two boolean masks; NaN when both are empty."""
    total = int(a.sum()) + int(b.sum())
    if total == 0:
        return float('nan')
    return 2.0 * int((a & b).sum()) / total


def label_map(sample, field) -> np.ndarray:
    value = sample.get(field)
    if value is None:
        raise ValueError(f'case {sample.metainfo.get("case_name")!r} has no '
                         f'{field}')
    value = np.asarray(value.detach().cpu().numpy() if hasattr(
        value, 'detach') else value)
    # A leading channel axis of size 1, e.g. (1, H, W).
    return value[0] if value.ndim > 1 and value.shape[0] == 1 else value


def case_scores(clean, perturbed, gt, classes):
    """Per class: Dice of clean and perturbed vs gt, clean-vs-perturbed."""
    scores = {}
    for index in classes:
        c, g = clean == index, gt == index
        scores[index] = dict(
            clean=dice(c, g),
            perturbed=[dice(p == index, g) for p in perturbed],
            agreement=[dice(p == index, c) for p in perturbed])
    return scores


def summarize(per_case, class_names):
    summary = {}
    for index, name in class_names.items():
        rows = [case[index] for case in per_case]
        summary[name] = dict(
            dice_clean=float(np.nanmean([r['clean'] for r in rows])),
            dice_perturbed=float(np.nanmean(
                [v for r in rows for v in r['perturbed']])),
            agreement=float(np.nanmean(
                [v for r in rows for v in r['agreement']])))
        summary[name]['dice_change'] = (summary[name]['dice_perturbed'] -
                                        summary[name]['dice_clean'])
    return summary


def main(argv=None):
    args = parse_args(argv)
    if args.draws < 1:
        raise SystemExit('--draws must be at least 1')
    cfg = load_config(args.config, args.cfg_options, args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmssl'))
    perturb = build_perturbation(cfg, args)
    model = MODELS.build(cfg.model)
    checkpoint = read_checkpoint_safely(args.checkpoint)
    check_checkpoint_matches_model(checkpoint, model, args.checkpoint)
    model.load_state_dict(checkpoint.get('state_dict', checkpoint))
    network = getattr(model, 'student', model)
    network.eval()

    evaluator = cfg.test_evaluator
    evaluator = evaluator[0] if isinstance(evaluator, list) else evaluator
    num_classes = int(evaluator.get('num_classes', 2))
    cfg.test_dataloader.persistent_workers = False
    loader = Runner.build_dataloader(cfg.test_dataloader)
    names = loader.dataset.metainfo.get('classes') or []
    class_names = {i: (names[i] if i < len(names) else f'class {i}')
                   for i in range(1, num_classes)}

    torch.manual_seed(args.seed)
    per_case, case_names = [], []
    with torch.no_grad():
        for data in loader:
            if args.cases is not None and len(per_case) >= args.cases:
                break
            data = model.data_preprocessor(data, False)
            inputs, samples = data['inputs'], data['data_samples']
            clean = network.predict(inputs, copy.deepcopy(samples))
            draws = [network.predict(perturb(inputs), copy.deepcopy(samples))
                     for _ in range(args.draws)]
            for i, sample in enumerate(samples):
                gt = label_map(sample, 'gt_label')
                per_case.append(case_scores(
                    label_map(clean[i], 'pred_label'),
                    [label_map(d[i], 'pred_label') for d in draws], gt,
                    class_names))
                case_names.append(sample.metainfo.get('case_name'))
    if not per_case:
        raise RuntimeError('the test dataloader gave no case')
    summary = summarize(per_case, class_names)

    print(f'{args.config}: {len(per_case)} test cases, {args.draws} draws '
          f'of {perturb!r}')
    print(f'{"class":<12} {"Dice clean":>11} {"perturbed":>10} '
          f'{"change":>8} {"agreement":>10}')
    for name, row in summary.items():
        print(f'{name:<12} {row["dice_clean"]:>11.4f} '
              f'{row["dice_perturbed"]:>10.4f} {row["dice_change"]:>+8.4f} '
              f'{row["agreement"]:>10.4f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           perturbation=repr(perturb), draws=args.draws,
                           seed=args.seed, cases=case_names,
                           classes=summary), f, indent=2)


if __name__ == '__main__':
    sys.exit(main())
