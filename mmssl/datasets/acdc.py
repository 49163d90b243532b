"""ACDC cardiac cine MRI (Bernard et al., IEEE TMI 2018) in the h5 layout
distributed with SSL4MIS (Luo et al.), the 2-D semi-supervised benchmark.

Layout::

    data_root/
        train_slices.list               # 1312 slice names of 70 patients
        train.list                      # training volume names
        val.list                        # 20 volumes (10 patients)
        test.list                       # 40 volumes (20 patients)
        data/slices/<patient>_frameXX_slice_K.h5
                                        # 'image' float32 (H, W) in [0, 1]
                                        # 'label' uint8 (H, W), 0..3
        data/<patient>_frameXX.h5       # 'image' float32 (D, H, W)
                                        # 'label' uint8 (D, H, W)

Labels: 0 background, 1 right ventricle (RV), 2 myocardium (Myo), 3 left
ventricle (LV). Training samples are 2-D slices; validation and test samples
are whole volumes, segmented slice by slice (``VolumeSegmentor`` with
``test_cfg=dict(mode='slice', ...)``) and scored in 3-D.

The labeled budget is counted in patients, as the papers state it: the
first ``labeled_patients`` distinct patients of ``train_slices.list`` (in
list order) are labeled with all their slices, the others unlabeled. With
SSL4MIS's list, 3 patients are its 68 labeled slices and 7 patients its 136.
"""
import os.path as osp
import re
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmssl.registry import DATASETS, TRANSFORMS
from .la_heart import DatasetFormatError, _check_keys, _open_h5
from .cached_arrays import CachedArraysMixin
from .seeding import SeededSampleMixin
from .utils import read_case_list

ACDC_SPLITS = ('train', 'train_labeled', 'train_unlabeled', 'val', 'test')
ACDC_TRAIN_SPLITS = ('train', 'train_labeled', 'train_unlabeled')
ACDC_VOLUME_DIR = 'data'
ACDC_SLICE_DIR = osp.join('data', 'slices')
_SPLIT_LIST_FILES = dict(
    train='train_slices.list',
    train_labeled='train_slices.list',
    train_unlabeled='train_slices.list',
    val='val.list',
    test='test.list')
# Labeled slices per labeled patients in SSL4MIS (`patients_to_slices`);
# checked against the full list so a reordered list does not go unnoticed.
SSL4MIS_LABELED_SLICES = {3: 68, 7: 136}
SSL4MIS_NUM_TRAIN_SLICES = 1312
_PATIENT = re.compile(r'^(?P<patient>.+?)_frame\d+')


def acdc_patient(name: str) -> str:
    """``'patient001'`` for ``'patient001_frame01_slice_3'`` or
    ``'patient001_frame01'``; names without a frame fall back to the part
    before ``'_slice'``."""
    match = _PATIENT.match(name)
    if match:
        return match.group('patient')
    return name.split('_slice')[0]


def inspect_acdc_file(path: str, ndim: int,
                      with_label: bool = True) -> Tuple[int, ...]:
    """Check keys, ranks, shapes and dtypes of an ACDC h5 file from its
    metadata only (nothing is decompressed); return the image shape.

    Args:
        path: The h5 file.
        ndim: 2 for a slice (H, W), 3 for a volume (D, H, W).
        with_label: Also check the ``label`` dataset.
    """
    kind = {2: 'slice (H, W)', 3: 'volume (D, H, W)'}[ndim]
    keys = ('image', 'label') if with_label else ('image', )
    with _open_h5(path) as h5_file:
        _check_keys(h5_file, path, keys)
        datasets = {key: h5_file[key] for key in keys}
        shapes = {key: tuple(d.shape) for key, d in datasets.items()}
        dtypes = {key: d.dtype for key, d in datasets.items()}
    image_shape = shapes['image']
    if len(image_shape) != ndim:
        raise DatasetFormatError(
            f'{path}: image must be a {ndim}-D {kind}, got shape '
            f'{image_shape}')
    if 0 in image_shape:
        raise DatasetFormatError(f'{path}: image is empty, shape '
                                 f'{image_shape}')
    if with_label and shapes['label'] != image_shape:
        raise DatasetFormatError(
            f'{path}: image shape {image_shape} and label shape '
            f"{shapes['label']} differ")
    for key, dtype in dtypes.items():
        # Compound or string data cannot be an image or class ids.
        if dtype.kind not in 'fiub':
            raise DatasetFormatError(
                f'{path}: {key} has non-numeric dtype {dtype}')
    return image_shape


def load_acdc_file(path: str,
                   ndim: int,
                   with_label: bool = True,
                   num_classes: int = 4
                   ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read and check a slice or volume.

    Returns:
        tuple: the image as float32 ((H, W) or (D, H, W)) and the label as
        uint8 of the same shape (None when ``with_label`` is False; the
        label is then not read).
    """
    inspect_acdc_file(path, ndim, with_label)
    with _open_h5(path) as h5_file:
        image = h5_file['image'][()]
        label = h5_file['label'][()] if with_label else None

    image = image.astype(np.float32, copy=False)
    finite = np.isfinite(image)
    if not finite.all():
        raise DatasetFormatError(
            f'{path}: image has {int((~finite).sum())} NaN or inf values')
    if label is None:
        return image, None
    values = np.unique(label)
    if values.dtype.kind == 'f' and not np.isfinite(values).all():
        raise DatasetFormatError(f'{path}: label has NaN or inf values')
    bad = values[(values < 0) | (values >= num_classes)
                 | (values != np.round(values))]
    if bad.size:
        raise DatasetFormatError(
            f'{path}: label has values {bad[:5].tolist()} that are not the '
            f'integer class ids 0..{num_classes - 1}')
    return image, label.astype(np.uint8 if num_classes <= 256 else np.int64)


def _check_labeled_patients(value) -> Optional[int]:
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
            or value < 0):
        raise ValueError('labeled_patients must be a non-negative int or '
                         f'None, got {value!r}')
    return int(value)


@DATASETS.register_module()
class ACDCDataset(SeededSampleMixin, CachedArraysMixin, BaseDataset):
    """ACDC slices (training) and volumes (validation, test).

    Each sample, before the pipeline, holds ``img`` float32: ``(1, H, W)``
    for a training slice, ``(1, D, H, W)`` for a validation or test volume;
    ``gt_seg_map`` uint8 of the spatial shape and ``seg_fields=
    ['gt_seg_map']`` for labeled samples (the labels of unlabeled slices are
    never read); ``case_name`` (the file name without ``.h5``),
    ``patient``, ``img_path``, ``spacing`` (1.0 per axis: the h5 files
    carry none), ``ori_shape``, ``img_shape`` and ``labeled``.

    Args:
        data_root (str): Folder with the list files and ``data/``.
        split (str): ``'train'`` (all slices of train_slices.list,
            ``labeled`` set per slice), ``'train_labeled'`` (the slices of
            the labeled patients), ``'train_unlabeled'`` (the others),
            ``'val'`` (val.list) or ``'test'`` (test.list); val and test are
            volumes, all labeled. Defaults to ``'train'``.
        ann_file (str, optional): A list file to use instead of the split's
            own (relative to ``data_root`` unless absolute): slice names for
            the train splits, volume names for val and test.
        labeled_patients (int, optional): How many patients are labeled:
            the first N distinct patients of the slice list, in list order,
            with all their slices. None labels every slice. Ignored for val
            and test.
        num_classes (int): Label values must lie in ``0..num_classes-1``.
            Defaults to 4.
        cache (bool): Keep decoded slices / volumes in memory after their
            first read (per process). Defaults to True.
        validate (bool): At construction, open every file and check its
            keys, rank, shapes and dtypes from metadata (nothing
            decompressed). Values (label range, NaN) are checked when a
            file is loaded. Defaults to True.
        pipeline, metainfo, test_mode, lazy_init, serialize_data, indices,
        max_refetch: As in ``mmengine.dataset.BaseDataset``;
        ``serialize_data`` defaults to False.
    """

    METAINFO = dict(
        classes=('background', 'RV', 'Myo', 'LV'),
        palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]])

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 labeled_patients: Optional[int] = None,
                 num_classes: int = 4,
                 cache: bool = True,
                 validate: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 metainfo: Optional[dict] = None,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 max_refetch: int = 1000):
        if split not in ACDC_SPLITS:
            raise ValueError(f'split must be one of {ACDC_SPLITS}, got '
                             f'{split!r}')
        labeled_patients = _check_labeled_patients(labeled_patients)
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        if not data_root or not osp.isdir(data_root):
            where = osp.abspath(data_root) if data_root else data_root
            raise FileNotFoundError(
                f'ACDC data root {data_root!r} ({where}) does not exist or '
                'is not a directory; put the data there (a symlink will do) '
                'or pass --data-root DIR to tools/train.py / tools/test.py')
        self.split = split
        self.is_volume_split = split not in ACDC_TRAIN_SPLITS
        # Spatial rank of the files this split reads.
        self.file_ndim = 3 if self.is_volume_split else 2
        self.labeled_patients = labeled_patients
        self.num_classes = num_classes
        self.cache = cache
        self.validate = validate
        self.num_labeled_slices = None
        self._array_cache = {}
        super().__init__(
            ann_file=ann_file or '',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=dict(
                img_path=ACDC_VOLUME_DIR
                if self.is_volume_split else ACDC_SLICE_DIR),
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

    def _list_file(self) -> str:
        path = self.ann_file or osp.join(self.data_root,
                                         _SPLIT_LIST_FILES[self.split])
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'ACDC list file {path} not found (split {self.split!r})')
        return path

    def _labeled_flags(self, names: List[str], list_file: str) -> List[bool]:
        """Per-name labeled flag from the patient budget."""
        if self.is_volume_split or self.labeled_patients is None:
            return [True] * len(names)
        patients = list(dict.fromkeys(acdc_patient(n) for n in names))
        if self.labeled_patients > len(patients):
            raise ValueError(
                f'labeled_patients={self.labeled_patients} but {list_file} '
                f'has only {len(patients)} patients')
        chosen = set(patients[:self.labeled_patients])
        flags = [acdc_patient(n) in chosen for n in names]
        count = sum(flags)
        published = SSL4MIS_LABELED_SLICES.get(self.labeled_patients)
        if (len(names) == SSL4MIS_NUM_TRAIN_SLICES and published is not None
                and count != published):
            print_log(
                f'ACDC: the first {self.labeled_patients} patients of '
                f'{list_file} have {count} slices, SSL4MIS labels '
                f'{published}; is the list in its original order?',
                logger='current', level=30)
        if flags[:count] != [True] * count:
            # SSL4MIS labels the first slices of the list; patients whose
            # slices are scattered would make the two rules differ.
            print_log(
                f'ACDC: the slices of the {self.labeled_patients} labeled '
                f'patients are not the first {count} lines of {list_file}',
                logger='current', level=30)
        return flags

    def load_data_list(self) -> List[dict]:
        list_file = self._list_file()
        names = read_case_list(list_file)
        if not names:
            raise DatasetFormatError(f'{list_file} lists no cases')
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise DatasetFormatError(
                f'{list_file} lists cases more than once: {duplicates[:5]}')

        labeled = self._labeled_flags(names, list_file)
        self.num_labeled_slices = sum(labeled)
        if self.split == 'train_labeled':
            keep = labeled
        elif self.split == 'train_unlabeled':
            keep = [not flag for flag in labeled]
        else:
            keep = [True] * len(names)
        if not any(keep):
            raise ValueError(
                f'split {self.split!r} with labeled_patients='
                f'{self.labeled_patients} selects none of the {len(names)} '
                f'names in {list_file}')

        ndim = self.file_ndim
        data_list = [
            dict(
                case_name=name,
                patient=acdc_patient(name),
                img_path=osp.join(self.data_prefix['img_path'],
                                  f'{name}.h5'),
                labeled=is_labeled,
                spacing=(1.0, ) * ndim)
            for name, is_labeled, kept in zip(names, labeled, keep) if kept
        ]

        missing = [info['img_path'] for info in data_list
                   if not osp.isfile(info['img_path'])]
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} file(s) listed in {list_file} not found: '
                f'{", ".join(missing[:3])}' +
                (', ...' if len(missing) > 3 else ''))
        if self.validate:
            for info in data_list:
                inspect_acdc_file(info['img_path'], ndim, info['labeled'])
        return data_list

    def read_arrays(self, info: dict
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        image, label = load_acdc_file(info['img_path'], self.file_ndim,
                                      info['labeled'], self.num_classes)
        return image[None], label

    def __repr__(self):
        return (f'{self.__class__.__name__}(data_root={self.data_root!r}, '
                f'split={self.split!r}, '
                f'labeled_patients={self.labeled_patients}, '
                f'len={len(self) if self._fully_initialized else "?"})')
