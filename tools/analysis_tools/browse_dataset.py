"""Write PNG slices of what a config's dataset pipeline produces.

    python tools/analysis_tools/browse_dataset.py CONFIG [--split train|test]
        [--num N] [--out-dir DIR] [--data-root DIR] [--cfg-options ...]

For each of the first N samples (after the whole pipeline, augmentation and
cropping included) it writes, per slice k (3 evenly spaced slices along the
last axis of a volume; slice 0 of a 2-D image):

* ``<i>_<case>_image_slice<k>.png``: the first input channel in grey;
* ``<i>_<case>_label_slice<k>.png``: the same with the label outlined and
  filled in green (labeled samples only);
* ``<i>_<case>_sdf_slice<k>.png``: the signed distance map ``gt_sdf`` in a
  colour map, zero (the boundary) in the middle of the scale, when the
  pipeline makes one (``GenerateSDF``); ``sdf<c>`` per channel when there
  are several.
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

import mmssl  # noqa: F401  (installs the mmcv-lite stand-in before mmseg)
from mmssl.engine.hooks.save_overlays_hook import (GT_COLOR, overlay_slice,
                                                   slice_positions,
                                                   to_grey_uint8,
                                                   upscale_factor)
from mmssl.registry import DATASETS
from mmssl.utils import load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--split', choices=['train', 'test'],
                        default='train')
    parser.add_argument('--num', type=int, default=4,
                        help='number of samples to draw')
    parser.add_argument('--num-slices', type=int, default=3,
                        help='slices per volume, along the last axis')
    parser.add_argument('--out-dir', default='work_dirs/browse_dataset')
    parser.add_argument('--data-root',
                        help="read the dataset from this directory instead "
                        "of the config's data_root")
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'train_dataloader.dataset.num_labeled=4')
    return parser.parse_args(argv)


def sdf_to_color(sdf):
    """A signed distance map to BGR with 0 at the middle of the colour map:
    scaled by the largest magnitude so that inside (negative) and outside
    (positive) keep their sign."""
    sdf = np.asarray(sdf, dtype=np.float32)
    scale = float(np.abs(sdf).max())
    scaled = sdf / scale if scale > 0 else sdf
    grey = np.round((scaled + 1) * 127.5).astype(np.uint8)
    return cv2.applyColorMap(grey, cv2.COLORMAP_JET)


def _numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, 'detach') \
        else np.asarray(value)


def _write(path, picture):
    if not cv2.imwrite(path, picture):
        raise OSError(f'could not write {path}')
    return path


def draw_sample(sample, out_dir, prefix, num_slices=3):
    """Write the PNG files of one packed sample (``inputs`` and
    ``data_samples``); return their paths."""
    image = _numpy(sample['inputs'])[0]  # first channel of (C, *spatial)
    data_sample = sample['data_samples']
    label = data_sample.get('gt_label')
    label = None if label is None else _numpy(label)
    sdf = data_sample.get('gt_sdf')
    sdf = None if sdf is None else _numpy(sdf)
    if image.ndim == 2:
        slices = [(0, (Ellipsis, ))]
    elif image.ndim == 3:
        slices = [(k, (Ellipsis, k))
                  for k in slice_positions(image.shape[-1], num_slices)]
    else:
        raise ValueError(f'{prefix}: cannot draw a {image.ndim}-D image')
    # Whole-sample intensity scale so that slices compare.
    grey = to_grey_uint8(image)
    factor = upscale_factor(grey.shape[:2])
    paths = []
    for k, index in slices:
        base = osp.join(out_dir, prefix)
        paths.append(_write(f'{base}_image_slice{k}.png',
                            overlay_slice(grey[index], [], factor=factor)))
        if label is not None:
            paths.append(_write(
                f'{base}_label_slice{k}.png',
                overlay_slice(grey[index], [(label[index] > 0, GT_COLOR)],
                              factor=factor)))
        if sdf is not None:
            for channel, field in enumerate(sdf):
                tag = 'sdf' if len(sdf) == 1 else f'sdf{channel}'
                colored = sdf_to_color(field[index])
                if factor > 1:
                    height, width = colored.shape[:2]
                    colored = cv2.resize(
                        colored, (width * factor, height * factor),
                        interpolation=cv2.INTER_NEAREST)
                paths.append(_write(f'{base}_{tag}_slice{k}.png', colored))
    return paths


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmssl'))
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader:
        raise ValueError(f'{args.config} has no {args.split}_dataloader')
    dataset = DATASETS.build(loader['dataset'])
    os.makedirs(args.out_dir, exist_ok=True)
    count = min(args.num, len(dataset))
    written = 0
    for index in range(count):
        sample = dataset[index]
        name = sample['data_samples'].metainfo.get('case_name',
                                                   f'sample{index}')
        written += len(draw_sample(sample, args.out_dir,
                                   f'{index:03d}_{name}', args.num_slices))
    print(f'{written} images of {count} {args.split} samples written to '
          f'{args.out_dir}')


if __name__ == '__main__':
    sys.exit(main())
