"""Synthetic LA-like volumes in the exact UA-MT h5 layout.

For tests, smoke runs and demos without the real data: ``LAHeartDataset``
reads the generated root unchanged.

Each case is a 3-D MRI-like volume whose foreground ("left atrium") is a
smooth irregular blob (union of a few rotated ellipsoids with a noisy
boundary, plus short vein stubs), placed near the centre with varying size.
Unlabeled distractors share its intensity: a tube running through the
volume ("aorta") next to it and one or more smaller, rounder blobs elsewhere,
so a threshold alone cannot segment it but shape, size and position can.
The image gets partial-volume blur, a smooth multiplicative bias field and
Gaussian noise, then is z-scored like ``mri_norm2.h5``.
"""
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Optional, Sequence, Tuple

import h5py
import numpy as np
from scipy import ndimage

from mmssl.registry import DATASETS
from .la_heart import (LA_CASE_FILE, LA_IMAGE_DIR, DatasetFormatError,
                       LAHeartDataset)

SYNTHETIC_PARAMS_FILE = 'synthetic_la.json'
# Bump when the generated content changes, so stale roots are detected.
SYNTHETIC_LA_VERSION = 1
_SPLIT_IDS = dict(train=0, test=1)


def _smooth_field(rng: np.random.Generator, shape: Sequence[int],
                  cell: float) -> np.ndarray:
    """Smooth random field of unit std with features ~``cell`` voxels wide.

    White noise low-passed by a Gaussian in Fourier space (periodic at the
    borders, which does not matter here): far cheaper than a wide spatial
    filter or a spline upsampling.
    """
    spectrum = np.fft.rfftn(rng.standard_normal(shape))
    sigma = cell / 2
    freq2 = np.zeros(spectrum.shape)
    for axis, size in enumerate(shape):
        freqs = (np.fft.rfftfreq(size) if axis == len(shape) - 1 else
                 np.fft.fftfreq(size))
        freq2 = freq2 + (freqs**2).reshape(
            [-1 if a == axis else 1 for a in range(len(shape))])
    spectrum *= np.exp(-2 * np.pi**2 * sigma**2 * freq2)
    field = np.fft.irfftn(spectrum, s=shape, axes=range(len(shape)))
    field -= field.mean()
    return field / max(field.std(), 1e-6)


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    """Uniformly random 3-D rotation matrix (QR of a Gaussian matrix)."""
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q *= np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _random_direction(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(3)
    return v / max(np.linalg.norm(v), 1e-6)


def _ellipsoid_level(coords: np.ndarray, center, radii,
                     rotation: Optional[np.ndarray] = None) -> np.ndarray:
    """``1 - |R (x - c) / r|^2``: positive inside the ellipsoid."""
    diff = coords - np.asarray(center, np.float32).reshape(3, 1, 1, 1)
    if rotation is not None:
        diff = np.tensordot(rotation.astype(np.float32), diff, axes=1)
    radii = np.asarray(radii, np.float32).reshape(3, 1, 1, 1)
    return 1.0 - ((diff / radii)**2).sum(axis=0)


def _capsule_distance(coords: np.ndarray, start, end) -> np.ndarray:
    """Distance of every voxel to the segment ``start``-``end``."""
    start = np.asarray(start, np.float32).reshape(3, 1, 1, 1)
    axis = np.asarray(end, np.float32).reshape(3, 1, 1, 1) - start
    rel = coords - start
    t = np.clip((rel * axis).sum(0) / max(float((axis**2).sum()), 1e-6), 0,
                1)
    return np.sqrt(((rel - t * axis)**2).sum(0))


def synthesize_la_case(rng: np.random.Generator,
                       shape: Tuple[int, int, int],
                       noise_std: float = 0.3,
                       bias_strength: float = 0.3,
                       num_distractor_blobs: Tuple[int, int] = (1, 3)
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """One synthetic case: z-scored float32 image and uint8 label (0/1)."""
    shape = tuple(int(s) for s in shape)
    size = np.asarray(shape, np.float64)
    in_plane = float(size[:2].mean())
    coords = np.indices(shape, dtype=np.float32)

    # Foreground: a main ellipsoid plus lobes, with a bumpy boundary.
    center = size * rng.uniform(0.42, 0.58, 3)
    main_radii = size * np.array(
        [rng.uniform(0.17, 0.24), rng.uniform(0.17, 0.24),
         rng.uniform(0.2, 0.3)])
    level = _ellipsoid_level(coords, center, main_radii,
                             _random_rotation(rng))
    for _ in range(rng.integers(2, 5)):
        lobe_center = center + (_random_direction(rng) * main_radii *
                                rng.uniform(0.4, 0.75))
        lobe_radii = main_radii * rng.uniform(0.45, 0.7, 3)
        level = np.maximum(
            level, _ellipsoid_level(coords, lobe_center, lobe_radii,
                                    _random_rotation(rng)))
    level += 0.2 * _smooth_field(rng, shape, cell=8)
    foreground = level > 0
    # Vein stubs leaving the atrium.
    for _ in range(rng.integers(2, 5)):
        direction = _random_direction(rng)
        start = center + direction * main_radii * 0.7
        end = center + direction * main_radii * rng.uniform(1.3, 1.7)
        radius = in_plane * rng.uniform(0.02, 0.03)
        foreground |= _capsule_distance(coords, start, end) < radius
    # Keep distractors off the foreground, so the label stays decidable.
    keep_out = ndimage.binary_dilation(foreground, iterations=2)

    # Distractor 1: a tube ("aorta") through the whole depth, beside the
    # atrium.
    tube_radius = in_plane * rng.uniform(0.055, 0.075)
    angle = rng.uniform(0, 2 * np.pi)
    offset = main_radii[:2].max() + tube_radius + rng.uniform(2, 6)
    base = center[:2] + offset * np.array([np.cos(angle), np.sin(angle)])
    margin = tube_radius + 2
    base = np.clip(base, margin, size[:2] - margin)
    depths = np.linspace(-4, size[2] + 4, 5)
    points = [np.array([*(base + rng.uniform(-0.05, 0.05, 2) * size[:2]), z])
              for z in depths]
    tube_distance = np.min(
        [_capsule_distance(coords, a, b) for a, b in zip(points, points[1:])],
        axis=0)
    distractors = [(tube_distance < tube_radius) & ~keep_out]

    # Distractors 2+: smaller, rounder blobs elsewhere.
    low, high = num_distractor_blobs
    for _ in range(rng.integers(low, high + 1)):
        for _attempt in range(30):
            radii = in_plane * rng.uniform(0.06, 0.1) * rng.uniform(
                0.8, 1.25, 3)
            radii = np.minimum(radii, size / 3)
            blob_center = rng.uniform(radii, size - radii)
            blob = _ellipsoid_level(coords, blob_center, radii) > 0
            if not (blob & keep_out).any():
                distractors.append(blob)
                keep_out |= blob
                break

    # Intensities: uneven background tissue, bright atrium and distractors.
    image = 0.25 + 0.12 * _smooth_field(rng, shape, cell=10)
    image[foreground] = 1.0
    for mask in distractors:
        image[mask] = rng.uniform(0.9, 1.1)
    image = ndimage.gaussian_filter(image, sigma=0.8)  # partial volume
    bias = np.exp(bias_strength *
                  _smooth_field(rng, shape, cell=max(shape) / 1.5))
    image = image * bias + noise_std * rng.standard_normal(shape)
    image = (image - image.mean()) / max(image.std(), 1e-6)
    return image.astype(np.float32), foreground.astype(np.uint8)


def _canonical_params(num_train, num_test, shape_range, seed, noise_std,
                      bias_strength, num_distractor_blobs) -> dict:
    if int(num_train) < 1 or int(num_test) < 1:
        raise ValueError('num_train and num_test must be >= 1, got '
                         f'{num_train} and {num_test}')
    shape_range = [[int(low), int(high)] for low, high in shape_range]
    if len(shape_range) != 3 or any(
            low < 8 or high < low for low, high in shape_range):
        raise ValueError('shape_range must give (low, high) with '
                         f'8 <= low <= high for 3 axes, got {shape_range}')
    low, high = (int(n) for n in num_distractor_blobs)
    if not 0 <= low <= high:
        raise ValueError('num_distractor_blobs must be (low, high) with '
                         f'0 <= low <= high, got {num_distractor_blobs}')
    params = dict(
        num_train=int(num_train),
        num_test=int(num_test),
        shape_range=shape_range,
        seed=int(seed),
        noise_std=float(noise_std),
        bias_strength=float(bias_strength),
        num_distractor_blobs=[low, high])
    return json.loads(json.dumps(params))  # exactly as stored


def _case_names(split: str, count: int) -> list:
    return [f'synth_{split}_{i:03d}' for i in range(count)]


def _write_cases(root: str, params: dict):
    """Write every case, the list files and, last, the parameter file."""
    for split in ('train', 'test'):
        names = _case_names(split, params[f'num_{split}'])
        for index, name in enumerate(names):
            # One generator per case: its content depends only on
            # (seed, split, index), not on how many cases are made.
            rng = np.random.default_rng(
                [params['seed'], _SPLIT_IDS[split], index])
            shape = [int(rng.integers(low, high + 1))
                     for low, high in params['shape_range']]
            image, label = synthesize_la_case(
                rng, shape, params['noise_std'], params['bias_strength'],
                tuple(params['num_distractor_blobs']))
            case_dir = osp.join(root, LA_IMAGE_DIR, name)
            os.makedirs(case_dir)
            with h5py.File(osp.join(case_dir, LA_CASE_FILE), 'w') as f:
                f.create_dataset('image', data=image, compression='gzip')
                f.create_dataset('label', data=label, compression='gzip')
        with open(osp.join(root, f'{split}.list'), 'w') as f:
            f.write(''.join(f'{name}\n' for name in names))
    with open(osp.join(root, SYNTHETIC_PARAMS_FILE), 'w') as f:
        json.dump(dict(version=SYNTHETIC_LA_VERSION, params=params), f,
                  indent=2)


def check_generated_root(root: str, params: dict, params_file_name: str,
                         version: int, generator: str):
    """Fail unless ``root`` was written by ``generator`` with ``params``
    (its ``params_file_name`` records them), naming what differs."""
    params_file = osp.join(root, params_file_name)
    if not osp.isfile(params_file):
        raise DatasetFormatError(
            f'{root} exists but has no {params_file_name}, so it was not '
            f'made by {generator}; delete it or choose another data_root')
    with open(params_file) as f:
        stored = json.load(f)
    if stored != dict(version=version, params=params):
        stored_params = stored.get('params', {})
        diffs = [f'{key}: {stored_params.get(key)!r} there, {value!r} asked'
                 for key, value in params.items()
                 if stored_params.get(key) != value]
        if stored.get('version') != version:
            diffs.append(f'generator version: {stored.get("version")!r} '
                         f'there, {version} now')
        raise DatasetFormatError(
            f'{root} was generated with other parameters ({"; ".join(diffs)}'
            f'), see {params_file}; delete it or choose another data_root')


def _check_existing_root(root: str, params: dict):
    check_generated_root(root, params, SYNTHETIC_PARAMS_FILE,
                         SYNTHETIC_LA_VERSION, 'generate_synthetic_la')


def generate_synthetic_la(root: str,
                          num_train: int = 16,
                          num_test: int = 8,
                          shape_range: Sequence[Tuple[int, int]] = (
                              (72, 96), (72, 96), (40, 48)),
                          seed: int = 0,
                          noise_std: float = 0.3,
                          bias_strength: float = 0.3,
                          num_distractor_blobs: Tuple[int, int] = (1, 3)
                          ) -> str:
    """Write a synthetic LA dataset under ``root`` in the UA-MT layout.

    Does nothing when ``root`` already holds data generated with the same
    parameters; raises ``DatasetFormatError`` when it holds anything else.
    Writing goes to a temporary folder next to ``root`` that is renamed into
    place at the end, so readers never see a partial root and concurrent
    callers (e.g. one per rank) are safe: the first rename wins and the
    others use its data.

    Args:
        root (str): Folder to create.
        num_train (int): Cases in train.list. Defaults to 16.
        num_test (int): Cases in test.list. Defaults to 8.
        shape_range: Inclusive (low, high) size of each axis (H, W, D),
            drawn per case. Defaults to ((72, 96), (72, 96), (40, 48)).
        seed (int): Seed; the same seed gives identical arrays.
        noise_std (float): Gaussian noise std before z-scoring (the
            foreground/background contrast is 0.75). Defaults to 0.3.
        bias_strength (float): Std of the log bias field. Defaults to 0.3.
        num_distractor_blobs: Inclusive (low, high) count of unlabeled
            bright blobs per case, besides the tube. Defaults to (1, 3).

    Returns:
        str: ``root``.
    """
    params = _canonical_params(num_train, num_test, shape_range, seed,
                               noise_std, bias_strength, num_distractor_blobs)
    root = osp.abspath(root)
    if osp.exists(root) and not (osp.isdir(root) and not os.listdir(root)):
        _check_existing_root(root, params)
        return root

    parent = osp.dirname(root)
    os.makedirs(parent, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix=f'.{osp.basename(root)}.tmp-',
                               dir=parent)
    try:
        _write_cases(tmp_dir, params)
        try:
            # Atomic; replaces only a missing or empty directory.
            os.rename(tmp_dir, root)
        except OSError:
            if not osp.isdir(root):
                raise
            # Another process got there first: use its data if they match.
            _check_existing_root(root, params)
    finally:
        if osp.isdir(tmp_dir):
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return root


@DATASETS.register_module()
class SyntheticLAHeartDataset(LAHeartDataset):
    """``LAHeartDataset`` on synthetic data generated on first use.

    Args:
        data_root (str): Where the synthetic data live; generated there if
            missing (see ``generate_synthetic_la``).
        synthetic (dict, optional): Keyword arguments of
            ``generate_synthetic_la`` (num_train, num_test, shape_range,
            seed, noise_std, bias_strength, num_distractor_blobs).
        **kwargs: As ``LAHeartDataset`` (split, num_labeled, pipeline, ...).
    """

    def __init__(self, data_root: str, synthetic: Optional[dict] = None,
                 **kwargs):
        self.synthetic = dict(synthetic or {})
        generate_synthetic_la(data_root, **self.synthetic)
        super().__init__(data_root=data_root, **kwargs)
