"""A synthetic 2-D multi-class problem shaped like a cardiac short-axis slice.

For CPU-sized runs of the 2-D (ACDC-like) methods without real data. Labels
follow ACDC: 0 background, 1 right ventricle (RV), 2 myocardium (Myo),
3 left ventricle (LV) blood pool.

Each image holds a bright, roughly elliptic LV pool with a wobbly boundary,
a dark myocardial ring of varying thickness around it and a bright RV
crescent wrapped around one side of the ring (the side varies around a
preferred direction, as in real short-axis views). Unlabeled structures make
intensity alone insufficient: bright round blobs of the blood pools'
intensity elsewhere ("aorta", "stomach"), dark lung fields near the borders
and a background whose smooth texture reaches the myocardium's intensity in
places. The image gets partial-volume blur, a multiplicative bias field and
Gaussian noise and is rescaled to [0, 1] (SSL4MIS's ACDC slices are min-max
normalised too).

Layout written under ``data_root`` (ACDC-like slice files)::

    data_root/
        train.list, test.list         # image names, one a line
        slices/<name>.h5              # 'image' float32 (H, W) in [0, 1]
                                      # 'label' uint8 (H, W) in 0..3
        synthetic2d.json              # generator version and parameters

Generation is deterministic in the seed (each image depends only on
(seed, split, index)) and atomic: written to a temporary folder renamed into
place, so concurrent first uses (one per rank) are safe.
"""
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Callable, List, Optional, Sequence, Tuple, Union

import h5py
import numpy as np
from mmengine.dataset import BaseDataset
from scipy import ndimage

from mmssl.registry import DATASETS, TRANSFORMS
from .la_heart import DatasetFormatError
from .cached_arrays import CachedArraysMixin
from .seeding import SeededSampleMixin
from .synthetic import _smooth_field, check_generated_root
from .utils import (carve_val_holdout, check_labeled_selection,
                    check_num_labeled, check_val_holdout, read_case_list,
                    select_labeled)

SYNTHETIC_2D_PARAMS_FILE = 'synthetic2d.json'
SYNTHETIC_2D_IMAGE_DIR = 'slices'
# Bump when the generated content changes, so stale roots are detected.
SYNTHETIC_2D_VERSION = 1
SYNTHETIC_2D_SPLITS = ('train', 'train_labeled', 'train_unlabeled', 'val',
                       'test')
_SPLIT_IDS = dict(train=0, test=1)
CARDIAC_CLASSES = ('background', 'RV', 'Myo', 'LV')


def _ellipse_level(coords: np.ndarray, center, radii,
                   angle: float) -> np.ndarray:
    """``1 - |R (x - c) / r|^2``: positive inside the rotated ellipse."""
    diff = coords - np.asarray(center, np.float32).reshape(2, 1, 1)
    cos, sin = np.cos(angle), np.sin(angle)
    u = cos * diff[0] + sin * diff[1]
    v = -sin * diff[0] + cos * diff[1]
    return 1.0 - (u / radii[0])**2 - (v / radii[1])**2


def synthesize_cardiac_slice(rng: np.random.Generator,
                             size: Tuple[int, int],
                             noise_std: float = 0.1,
                             bias_strength: float = 0.3,
                             num_distractors: Tuple[int, int] = (1, 3)
                             ) -> Tuple[np.ndarray, np.ndarray]:
    """One image (float32 in [0, 1]) and its label (uint8, 0..3)."""
    shape = tuple(int(s) for s in size)
    extent = float(min(shape))
    coords = np.indices(shape, dtype=np.float32)

    # LV blood pool: an ellipse whose boundary wobbles.
    center = np.asarray(shape, np.float64) * rng.uniform(0.4, 0.6, 2)
    lv_radius = extent * rng.uniform(0.08, 0.13)
    lv_radii = lv_radius * rng.uniform(0.85, 1.15, 2)
    angle = rng.uniform(0, np.pi)
    lv_level = (_ellipse_level(coords, center, lv_radii, angle) +
                0.15 * _smooth_field(rng, shape, cell=6))
    lv = lv_level > 0
    # Myocardium: a ring around the pool, thickness varying around it.
    thickness = extent * rng.uniform(0.035, 0.06)
    outer_radii = lv_radii + thickness
    outer_level = (_ellipse_level(coords, center, outer_radii, angle) +
                   0.12 * _smooth_field(rng, shape, cell=8))
    epicardium = (outer_level > 0) | ndimage.binary_dilation(lv,
                                                             iterations=2)
    myo = epicardium & ~lv
    # RV: a crescent hugging one side of the ring, around a preferred side.
    # ``side`` is the angle of its direction in (row, col) coordinates;
    # -pi/2 points to the image's left. The ellipse's first axis is radial
    # (short), its second tangential (long), so it wraps around the ring.
    side = -np.pi / 2 + rng.uniform(-0.6, 0.6)
    direction = np.array([np.cos(side), np.sin(side)])
    outer_mean = float(outer_radii.mean())
    rv_center = center + direction * outer_mean * rng.uniform(0.5, 0.8)
    rv_radii = outer_mean * np.array(
        [rng.uniform(0.8, 1.1), rng.uniform(1.4, 1.9)])
    rv_level = (_ellipse_level(coords, rv_center, rv_radii, side) +
                0.15 * _smooth_field(rng, shape, cell=6))
    # A one-pixel septal gap keeps the RV off the LV's ring.
    rv = (rv_level > 0) & ~ndimage.binary_dilation(epicardium, iterations=1)
    heart = ndimage.binary_dilation(epicardium | rv, iterations=3)

    label = np.zeros(shape, np.uint8)
    label[rv] = 1
    label[myo] = 2
    label[lv] = 3

    # Background tissue: smooth texture around the myocardium's intensity.
    myo_intensity = rng.uniform(0.3, 0.4)
    image = 0.25 + 0.1 * _smooth_field(rng, shape, cell=10)
    # Lung fields: dark, near the left and right borders, off the heart.
    for column in (0.05, 0.95):
        lung_center = (shape[0] * rng.uniform(0.35, 0.65),
                       shape[1] * column)
        lung_radii = extent * np.array([rng.uniform(0.25, 0.35),
                                        rng.uniform(0.12, 0.2)])
        lung = ((_ellipse_level(coords, lung_center, lung_radii, 0.0) +
                 0.2 * _smooth_field(rng, shape, cell=10)) > 0) & ~heart
        image[lung] = 0.05
    # Bright distractors of the blood pools' intensity, away from the heart.
    keep_out = heart.copy()
    low, high = num_distractors
    for _ in range(rng.integers(low, high + 1)):
        for _attempt in range(30):
            radius = extent * rng.uniform(0.05, 0.11)
            radii = radius * rng.uniform(0.8, 1.25, 2)
            blob_center = rng.uniform(radii + 1, np.asarray(shape) - radii - 1)
            blob = _ellipse_level(coords, blob_center, radii,
                                  rng.uniform(0, np.pi)) > 0
            if not (blob & keep_out).any():
                image[blob] = rng.uniform(0.8, 1.0)
                keep_out |= ndimage.binary_dilation(blob, iterations=2)
                break
    image[myo] = myo_intensity
    image[lv] = rng.uniform(0.85, 1.0)
    image[rv] = rng.uniform(0.8, 1.0)

    image = ndimage.gaussian_filter(image, sigma=0.7)  # partial volume
    bias = np.exp(bias_strength * _smooth_field(rng, shape, cell=extent / 1.5))
    image = image * bias + noise_std * rng.standard_normal(shape)
    image = (image - image.min()) / max(image.max() - image.min(), 1e-6)
    return image.astype(np.float32), label


def _canonical_params(num_train, num_test, size, seed, noise_std,
                      bias_strength, num_distractors) -> dict:
    if int(num_train) < 1 or int(num_test) < 1:
        raise ValueError('num_train and num_test must be >= 1, got '
                         f'{num_train} and {num_test}')
    size = [int(s) for s in size]
    if len(size) != 2 or min(size) < 16:
        raise ValueError(f'size must be (H, W) with both >= 16, got {size}')
    low, high = (int(n) for n in num_distractors)
    if not 0 <= low <= high:
        raise ValueError('num_distractors must be (low, high) with '
                         f'0 <= low <= high, got {num_distractors}')
    params = dict(
        num_train=int(num_train),
        num_test=int(num_test),
        size=size,
        seed=int(seed),
        noise_std=float(noise_std),
        bias_strength=float(bias_strength),
        num_distractors=[low, high])
    return json.loads(json.dumps(params))  # exactly as stored


def _image_names(split: str, count: int) -> list:
    return [f'synth2d_{split}_{i:04d}' for i in range(count)]


def _write_images(root: str, params: dict):
    """Write every image, the list files and, last, the parameter file."""
    os.makedirs(osp.join(root, SYNTHETIC_2D_IMAGE_DIR))
    for split in ('train', 'test'):
        names = _image_names(split, params[f'num_{split}'])
        for index, name in enumerate(names):
            # One generator per image: its content depends only on
            # (seed, split, index), not on how many images are made.
            rng = np.random.default_rng(
                [params['seed'], _SPLIT_IDS[split], index])
            image, label = synthesize_cardiac_slice(
                rng, params['size'], params['noise_std'],
                params['bias_strength'], tuple(params['num_distractors']))
            path = osp.join(root, SYNTHETIC_2D_IMAGE_DIR, f'{name}.h5')
            with h5py.File(path, 'w') as f:
                f.create_dataset('image', data=image, compression='gzip')
                f.create_dataset('label', data=label, compression='gzip')
        with open(osp.join(root, f'{split}.list'), 'w') as f:
            f.write(''.join(f'{name}\n' for name in names))
    with open(osp.join(root, SYNTHETIC_2D_PARAMS_FILE), 'w') as f:
        json.dump(dict(version=SYNTHETIC_2D_VERSION, params=params), f,
                  indent=2)


def _check_existing_root(root: str, params: dict):
    check_generated_root(root, params, SYNTHETIC_2D_PARAMS_FILE,
                         SYNTHETIC_2D_VERSION, 'generate_synthetic_2d')


def generate_synthetic_2d(root: str,
                          num_train: int = 64,
                          num_test: int = 16,
                          size: Sequence[int] = (80, 80),
                          seed: int = 0,
                          noise_std: float = 0.1,
                          bias_strength: float = 0.3,
                          num_distractors: Tuple[int, int] = (1, 3)) -> str:
    """Write the synthetic 2-D cardiac data under ``root``.

    Does nothing when ``root`` already holds data generated with the same
    parameters; raises ``DatasetFormatError`` when it holds anything else.
    Writing goes to a temporary folder next to ``root`` renamed into place
    at the end: readers never see a partial root, and of concurrent callers
    the first rename wins and the others use its data.

    Args:
        root (str): Folder to create.
        num_train (int): Images in train.list. Defaults to 64.
        num_test (int): Images in test.list. Defaults to 16.
        size: (H, W) of every image. Defaults to (80, 80).
        seed (int): Seed; the same seed gives identical arrays.
        noise_std (float): Gaussian noise std before the [0, 1] rescaling
            (blood pool / myocardium contrast about 0.5). Defaults to 0.1.
        bias_strength (float): Std of the log bias field. Defaults to 0.3.
        num_distractors: Inclusive (low, high) count of bright unlabeled
            blobs per image. Defaults to (1, 3).

    Returns:
        str: ``root`` as an absolute path.
    """
    params = _canonical_params(num_train, num_test, size, seed, noise_std,
                               bias_strength, num_distractors)
    root = osp.abspath(root)
    if osp.exists(root) and not (osp.isdir(root) and not os.listdir(root)):
        _check_existing_root(root, params)
        return root

    parent = osp.dirname(root)
    os.makedirs(parent, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix=f'.{osp.basename(root)}.tmp-',
                               dir=parent)
    try:
        _write_images(tmp_dir, params)
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


def load_slice(path: str, with_label: bool = True,
               num_classes: int = 4
               ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Image float32 (H, W) and label uint8 (H, W) (None when
    ``with_label`` is False) of one slice file, checked."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'slice file {path} not found')
    try:
        f = h5py.File(path, 'r')
    except OSError as error:
        raise DatasetFormatError(
            f'cannot read {path} as HDF5: {error}') from error
    with f:
        for key in ('image', 'label') if with_label else ('image', ):
            if not isinstance(f.get(key), h5py.Dataset):
                raise DatasetFormatError(f'{path} has no {key!r} dataset; '
                                         f'keys present: {sorted(f.keys())}')
        image = f['image'][()].astype(np.float32)
        label = f['label'][()] if with_label else None
    if image.ndim != 2:
        raise DatasetFormatError(
            f'{path}: image must be 2-D (H, W), got {image.shape}')
    if label is not None:
        if label.shape != image.shape:
            raise DatasetFormatError(f'{path}: image {image.shape} and label '
                                     f'{label.shape} differ in shape')
        if label.size and (label.min() < 0 or label.max() >= num_classes):
            raise DatasetFormatError(
                f'{path}: label values outside 0..{num_classes - 1}')
        label = label.astype(np.uint8)
    return image, label


@DATASETS.register_module()
class Synthetic2DDataset(SeededSampleMixin, CachedArraysMixin,
                         BaseDataset):
    """Synthetic 2-D cardiac-like images, generated on first use.

    Each sample, before the pipeline, holds ``img`` float32 ``(1, H, W)``,
    for labeled images ``gt_seg_map`` uint8 ``(H, W)`` with
    ``seg_fields=['gt_seg_map']``, and ``case_name``, ``img_path``,
    ``spacing`` (1.0, 1.0), ``ori_shape``, ``img_shape`` and ``labeled``
    (``TwoStreamSampler`` reads the flag from the data info).

    Args:
        data_root (str): Where the data live; generated there if missing
            (see ``generate_synthetic_2d`` and the module docstring).
        synthetic (dict, optional): Keyword arguments of
            ``generate_synthetic_2d`` (num_train, num_test, size, seed,
            noise_std, bias_strength, num_distractors).
        split (str): 'train' (every training image, ``labeled`` set per
            image), 'train_labeled', 'train_unlabeled', 'val' (the
            ``val_holdout`` images held out of training, all labeled) or
            'test' (all labeled). Defaults to 'train'.
        num_labeled (int, optional): How many training images are labeled;
            None means all. Ignored for 'test'.
        labeled_selection, labeled_seed, labeled_list: Which images are
            labeled, as in ``LAHeartDataset`` (default: the first
            ``num_labeled`` of train.list).
        val_holdout (int): How many training images, the last of
            train.list, are held out as the 'val' split, as in
            ``LAHeartDataset``. Defaults to 0.
        num_classes (int): Label values must lie in 0..num_classes-1.
            Defaults to 4.
        cache (bool): Keep decoded images in memory (per process).
        pipeline, metainfo, test_mode, lazy_init, serialize_data, indices,
        max_refetch: As in ``mmengine.dataset.BaseDataset``.
    """

    METAINFO = dict(
        classes=CARDIAC_CLASSES,
        palette=[[0, 0, 0], [0, 0, 255], [0, 255, 0], [255, 0, 0]])

    def __init__(self,
                 data_root: str,
                 synthetic: Optional[dict] = None,
                 split: str = 'train',
                 num_labeled: Optional[int] = None,
                 labeled_selection: str = 'first',
                 labeled_seed: int = 0,
                 labeled_list: Optional[str] = None,
                 val_holdout: int = 0,
                 num_classes: int = 4,
                 cache: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 metainfo: Optional[dict] = None,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 max_refetch: int = 1000):
        if split not in SYNTHETIC_2D_SPLITS:
            raise ValueError(f'split must be one of {SYNTHETIC_2D_SPLITS}, '
                             f'got {split!r}')
        self.num_labeled = check_num_labeled(num_labeled)
        check_labeled_selection(labeled_selection, labeled_seed,
                                labeled_list)
        self.val_holdout = check_val_holdout(val_holdout)
        if split == 'val' and self.val_holdout == 0:
            raise ValueError("split 'val' holds out training images: set "
                             'val_holdout to how many')
        self.synthetic = dict(synthetic or {})
        generate_synthetic_2d(data_root, **self.synthetic)
        self.split = split
        self.labeled_selection = labeled_selection
        self.labeled_seed = int(labeled_seed)
        if labeled_list is not None and not osp.isabs(labeled_list):
            labeled_list = osp.join(data_root, labeled_list)
        self.labeled_list = labeled_list
        self.num_classes = int(num_classes)
        self.cache = cache
        self._array_cache = {}
        super().__init__(
            ann_file='',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=dict(img_path=SYNTHETIC_2D_IMAGE_DIR),
            indices=indices,
            serialize_data=serialize_data,
            # Built here so that mmssl transform names resolve even when no
            # default scope is set (outside a Runner).
            pipeline=[
                TRANSFORMS.build(t) if isinstance(t, dict) else t
                for t in pipeline
            ],
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    def load_data_list(self) -> List[dict]:
        list_name = 'test.list' if self.split == 'test' else 'train.list'
        list_file = osp.join(self.data_root, list_name)
        names = read_case_list(list_file)
        if self.split != 'test':
            names, val_names = carve_val_holdout(names, self.val_holdout,
                                                 list_file)
            if self.split == 'val':
                names = val_names
        if self.split in ('test', 'val'):
            labeled_names = set(names)
        else:
            labeled_names = set(
                select_labeled(
                    names,
                    num_labeled=self.num_labeled,
                    selection=self.labeled_selection,
                    seed=self.labeled_seed,
                    list_file=self.labeled_list,
                    names_source=list_file))
        data_list = []
        for name in names:
            labeled = name in labeled_names
            if ((self.split == 'train_labeled' and not labeled)
                    or (self.split == 'train_unlabeled' and labeled)):
                continue
            data_list.append(
                dict(
                    case_name=name,
                    img_path=osp.join(self.data_prefix['img_path'],
                                      f'{name}.h5'),
                    labeled=labeled,
                    spacing=(1.0, 1.0)))
        if not data_list:
            raise ValueError(
                f'split {self.split!r} with num_labeled={self.num_labeled} '
                f'selects no image of the {len(names)} in {list_file}')
        return data_list

    def read_arrays(self, info: dict
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        image, label = load_slice(info['img_path'], info['labeled'],
                                  self.num_classes)
        return image[None], label

    def __repr__(self):
        return (f'{self.__class__.__name__}(data_root={self.data_root!r}, '
                f'split={self.split!r}, num_labeled={self.num_labeled}, '
                f'len={len(self) if self._fully_initialized else "?"})')
