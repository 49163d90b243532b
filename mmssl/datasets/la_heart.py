"""Left Atrium (LA) dataset of the 2018 Atrial Segmentation Challenge, in the
preprocessed h5 form distributed with UA-MT (Yu et al., MICCAI 2019).

Layout::

    data_root/
        train.list                      # 80 case names, one a line
        test.list                       # 20 case names
        2018LA_Seg_Training Set/
            <case>/mri_norm2.h5         # 'image' float32 (H, W, D), z-scored
                                        # 'label' uint8 (H, W, D), {0, 1}

Some copies keep the two list files inside ``2018LA_Seg_Training Set/``;
both places are accepted, the root first.

Semi-supervised splits follow the papers by default: the first
``num_labeled`` names of train.list are labeled, the remaining ones
unlabeled. A seeded random choice or an explicit list of labeled names can be
asked for instead (``labeled_selection``, ``labeled_list``). ``val_holdout``
holds the last cases of train.list out of training as a validation split
(for checkpoint selection without the test set).
"""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple, Union

import h5py
import numpy as np
from mmengine.dataset import BaseDataset

from mmssl.registry import DATASETS, TRANSFORMS
from .cached_arrays import CachedArraysMixin
from .seeding import SeededSampleMixin
from .utils import (carve_val_holdout, check_labeled_selection,
                    check_num_labeled, check_val_holdout, read_case_list,
                    select_labeled)

LA_IMAGE_DIR = '2018LA_Seg_Training Set'
LA_CASE_FILE = 'mri_norm2.h5'
LA_SPLITS = ('train', 'train_labeled', 'train_unlabeled', 'val', 'test')
_SPLIT_LIST_FILES = dict(
    train='train.list',
    train_labeled='train.list',
    train_unlabeled='train.list',
    val='train.list',
    test='test.list')


class DatasetFormatError(ValueError):
    """Data on disk do not have the expected format; the message names the
    file."""


def find_list_file(data_root: str, name: str) -> str:
    """``data_root/name``, else ``data_root/2018LA_Seg_Training Set/name``."""
    candidates = [osp.join(data_root, name),
                  osp.join(data_root, LA_IMAGE_DIR, name)]
    for path in candidates:
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'list file {name!r} not found; looked for '
                            f'{candidates[0]} and {candidates[1]}')


def _open_h5(path: str) -> h5py.File:
    if not osp.isfile(path):
        raise FileNotFoundError(f'case file {path} not found')
    try:
        return h5py.File(path, 'r')
    except OSError as error:
        raise DatasetFormatError(
            f'cannot read {path} as HDF5: {error}') from error


def _check_keys(h5_file: h5py.File, path: str, keys: Sequence[str]):
    for key in keys:
        if not isinstance(h5_file.get(key), h5py.Dataset):
            raise DatasetFormatError(
                f'{path} has no {key!r} dataset; keys present: '
                f'{sorted(h5_file.keys())}')


def _check_shapes(path: str, image_shape: tuple,
                  label_shape: Optional[tuple]):
    if len(image_shape) != 3:
        raise DatasetFormatError(f'{path}: image must be 3-D (H, W, D), got '
                                 f'shape {tuple(image_shape)}')
    if label_shape is not None and tuple(label_shape) != tuple(image_shape):
        raise DatasetFormatError(
            f'{path}: image shape {tuple(image_shape)} and label shape '
            f'{tuple(label_shape)} differ')


def inspect_la_case(path: str, with_label: bool = True) -> Tuple[int, ...]:
    """Check keys and shapes of a case from h5 metadata only (nothing is
    decompressed); return the image shape."""
    keys = ('image', 'label') if with_label else ('image', )
    with _open_h5(path) as h5_file:
        _check_keys(h5_file, path, keys)
        image_shape = h5_file['image'].shape
        label_shape = h5_file['label'].shape if with_label else None
    _check_shapes(path, image_shape, label_shape)
    return tuple(image_shape)


def load_la_case(path: str,
                 with_label: bool = True,
                 num_classes: int = 2
                 ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read and check one case.

    Returns:
        tuple: image as float32 (H, W, D), and the label as uint8 (H, W, D)
        (None when ``with_label`` is False; the label is then not read).
    """
    keys = ('image', 'label') if with_label else ('image', )
    with _open_h5(path) as h5_file:
        _check_keys(h5_file, path, keys)
        image = h5_file['image'][()]
        label = h5_file['label'][()] if with_label else None
    _check_shapes(path, image.shape,
                  label.shape if label is not None else None)

    if image.dtype.kind not in 'fiub':
        raise DatasetFormatError(
            f'{path}: image has non-numeric dtype {image.dtype}')
    image = image.astype(np.float32, copy=False)
    finite = np.isfinite(image)
    if not finite.all():
        raise DatasetFormatError(
            f'{path}: image has {int((~finite).sum())} NaN or inf values')

    if label is not None:
        if label.dtype.kind not in 'fiub':
            raise DatasetFormatError(
                f'{path}: label has non-numeric dtype {label.dtype}')
        values = np.unique(label)
        bad = values[(values < 0) | (values >= num_classes)
                     | (values != np.round(values))]
        if bad.size:
            raise DatasetFormatError(
                f'{path}: label has values {bad[:5].tolist()} outside the '
                f'class ids 0..{num_classes - 1}')
        label = label.astype(np.uint8 if num_classes <= 256 else np.int64)
    return image, label


@DATASETS.register_module()
class LAHeartDataset(SeededSampleMixin, CachedArraysMixin, BaseDataset):
    """LA MRI volumes from the UA-MT h5 files.

    Each sample, before the pipeline, holds ``img`` float32 ``(1, H, W, D)``;
    ``gt_seg_map`` uint8 ``(H, W, D)`` and ``seg_fields=['gt_seg_map']`` for
    labeled cases (unlabeled cases never read their label); ``case_name``,
    ``img_path``, ``spacing`` (1.0 per axis: the h5 files carry none),
    ``ori_shape``, ``img_shape`` and ``labeled``.

    Args:
        data_root (str): Folder holding the list files and
            ``2018LA_Seg_Training Set``.
        split (str): ``'train'`` (all of train.list, ``labeled`` set per
            case), ``'train_labeled'`` (its labeled names, see
            ``labeled_selection``), ``'train_unlabeled'`` (the rest),
            ``'val'`` (the ``val_holdout`` cases held out of train.list, all
            labeled) or ``'test'`` (test.list, all labeled). Defaults to
            ``'train'``.
        ann_file (str, optional): A list file to use instead of the split's
            own (relative to ``data_root`` unless absolute); the split still
            decides which of its names are taken and labeled.
        num_labeled (int, optional): How many names of the train list are
            labeled; None means all (or, with ``labeled_list``, those
            listed). Ignored for ``'test'``.
        labeled_selection (str): Which names are labeled: ``'first'`` (the
            first ``num_labeled`` of the train list, as in the papers) or
            ``'random'`` (a choice seeded by ``labeled_seed``). Defaults to
            ``'first'``.
        labeled_seed (int): Seed of the ``'random'`` selection. Defaults
            to 0.
        labeled_list (str, optional): A file naming the labeled cases, one
            a line (relative to ``data_root`` unless absolute). Every name
            must be in the train list; ``num_labeled`` must be None or the
            number listed; ``labeled_selection`` must stay ``'first'``.
            Ignored for ``'test'``.
        val_holdout (int): How many cases, the last of the train list,
            are held out as the ``'val'`` split; the train splits (labeled
            and unlabeled) exclude them. Give the same value to the train
            and val datasets. Defaults to 0 (no validation split).
        num_classes (int): Label values must lie in ``0..num_classes-1``.
            Defaults to 2.
        cache (bool): Keep decoded volumes in memory after their first read
            (per process; each dataloader worker fills its own). Defaults to
            True.
        validate (bool): At construction, open every case file and check its
            keys and shapes from metadata (cheap, nothing decompressed).
            Value checks (label range, NaN) happen when a case is loaded.
            Defaults to True.
        pipeline, metainfo, test_mode, lazy_init, serialize_data, indices,
        max_refetch: As in ``mmengine.dataset.BaseDataset``;
        ``serialize_data`` defaults to False (the list is tiny).
    """

    METAINFO = dict(
        classes=('background', 'left atrium'),
        palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 num_labeled: Optional[int] = None,
                 labeled_selection: str = 'first',
                 labeled_seed: int = 0,
                 labeled_list: Optional[str] = None,
                 val_holdout: int = 0,
                 num_classes: int = 2,
                 cache: bool = True,
                 validate: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 metainfo: Optional[dict] = None,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 max_refetch: int = 1000):
        if split not in LA_SPLITS:
            raise ValueError(f'split must be one of {LA_SPLITS}, got '
                             f'{split!r}')
        num_labeled = check_num_labeled(num_labeled)
        check_labeled_selection(labeled_selection, labeled_seed,
                                labeled_list)
        val_holdout = check_val_holdout(val_holdout)
        if split == 'val' and val_holdout == 0:
            raise ValueError("split 'val' holds out training cases: set "
                             'val_holdout to how many')
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        # Fail before anything else when the data are not there at all.
        if not data_root or not osp.isdir(data_root):
            where = osp.abspath(data_root) if data_root else data_root
            raise FileNotFoundError(
                f'LA data root {data_root!r} ({where}) does not exist or is '
                'not a directory; put the data there (a symlink will do) or '
                'pass --data-root DIR to tools/train.py / tools/test.py')
        image_dir = osp.join(data_root, LA_IMAGE_DIR)
        if not osp.isdir(image_dir):
            raise FileNotFoundError(
                f'LA image folder {image_dir} does not exist')

        self.split = split
        self.num_labeled = num_labeled
        self.labeled_selection = labeled_selection
        self.labeled_seed = int(labeled_seed)
        if labeled_list is not None and not osp.isabs(labeled_list):
            labeled_list = osp.join(data_root, labeled_list)
        self.labeled_list = labeled_list
        self.val_holdout = val_holdout
        self.num_classes = num_classes
        self.cache = cache
        self.validate = validate
        self._array_cache = {}
        super().__init__(
            ann_file=ann_file or '',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=dict(img_path=LA_IMAGE_DIR),
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
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(
                    f'list file {self.ann_file} not found')
            return self.ann_file
        return find_list_file(self.data_root, _SPLIT_LIST_FILES[self.split])

    def load_data_list(self) -> List[dict]:
        list_file = self._list_file()
        names = read_case_list(list_file)
        if not names:
            raise DatasetFormatError(f'{list_file} lists no cases')
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise DatasetFormatError(
                f'{list_file} lists cases more than once: {duplicates[:5]}')

        if self.split != 'test':
            names, val_names = carve_val_holdout(names, self.val_holdout,
                                                 list_file)
            if self.split == 'val':
                names = val_names
        if self.split in ('test', 'val'):
            labeled_names = set(names)
        else:
            if (self.labeled_list is not None
                    and not osp.isfile(self.labeled_list)):
                raise FileNotFoundError(
                    f'labeled list {self.labeled_list} not found')
            labeled_names = set(
                select_labeled(
                    names,
                    num_labeled=self.num_labeled,
                    selection=self.labeled_selection,
                    seed=self.labeled_seed,
                    list_file=self.labeled_list,
                    names_source=list_file))
        labeled = [name in labeled_names for name in names]
        if self.split == 'train_labeled':
            keep = labeled
        elif self.split == 'train_unlabeled':
            keep = [not flag for flag in labeled]
        else:
            keep = [True] * len(names)
        if not any(keep):
            raise ValueError(
                f'split {self.split!r} with num_labeled={self.num_labeled} '
                f'selects no case of the {len(names)} in {list_file}')

        data_list = []
        for name, is_labeled, kept in zip(names, labeled, keep):
            if not kept:
                continue
            data_list.append(
                dict(
                    case_name=name,
                    img_path=osp.join(self.data_prefix['img_path'], name,
                                      LA_CASE_FILE),
                    labeled=is_labeled,
                    spacing=(1.0, 1.0, 1.0)))

        missing = [info['img_path'] for info in data_list
                   if not osp.isfile(info['img_path'])]
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} case file(s) listed in {list_file} not '
                f'found: {", ".join(missing[:3])}' +
                (', ...' if len(missing) > 3 else ''))
        if self.validate:
            for info in data_list:
                inspect_la_case(info['img_path'], with_label=info['labeled'])
        return data_list

    def read_arrays(self, info: dict
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        image, label = load_la_case(info['img_path'], info['labeled'],
                                    self.num_classes)
        return image[None], label

    def __repr__(self):
        return (f'{self.__class__.__name__}(data_root={self.data_root!r}, '
                f'split={self.split!r}, num_labeled={self.num_labeled}, '
                f'len={len(self) if self._fully_initialized else "?"})')
