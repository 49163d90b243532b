"""Volumes stored as NIfTI files: a plain folder pair or a Medical
Segmentation Decathlon (MSD) task with its ``dataset.json``.

Folder layout (MSD / nnU-Net style)::

    data_root/
        imagesTr/<case>.nii.gz          # (x, y, z) or (x, y, z, C)
        imagesTr/<case>_0000.nii.gz     # ... or one file per channel
        imagesTr/<case>_0001.nii.gz     #     (nnU-Net), stacked in order
        labelsTr/<case>.nii.gz          # (x, y, z) integer class ids

MSD layout: the same folders plus ``dataset.json`` whose ``training``
entries pair an image with its label, ``test`` lists images (MSD publishes
no test labels), ``modality`` names the channels and ``labels`` the classes.

Axis order: arrays keep nibabel's voxel order (x, y, z), i.e. the order of
the data on disk, with no reorientation, as LA keeps its h5 (H, W, D)
arrays. ``spacing`` is the header's voxel size along those axes and
``affine`` maps voxel indices to world (scanner) coordinates, so a
prediction on the same grid is written back with the input's affine and
overlays the input in any viewer.
"""
import json
import os
import os.path as osp
import re
import warnings
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import nibabel as nib
import numpy as np
from mmengine.dataset import BaseDataset

from mmssl.registry import DATASETS, TRANSFORMS
from .la_heart import DatasetFormatError
from .cached_arrays import CachedArraysMixin
from .seeding import SeededSampleMixin
from .utils import (check_labeled_selection, check_num_labeled,
                    read_case_list, select_labeled)

NIFTI_SPLITS = ('train', 'train_labeled', 'train_unlabeled', 'test', 'val')
NIFTI_EXTENSIONS = ('.nii.gz', '.nii')
NORMALIZATIONS = ('zscore', None)
# nnU-Net's channel suffix: <case>_0000.nii.gz, <case>_0001.nii.gz, ...
_CHANNEL_FILE = re.compile(r'^(?P<case>.+)_(?P<channel>\d{4})$')
_PALETTE = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255],
            [255, 255, 0], [255, 0, 255], [0, 255, 255], [255, 128, 0]]


class NiftiHeader(NamedTuple):
    """What the header tells without reading the voxels."""
    shape: Tuple[int, ...]
    spacing: Tuple[float, float, float]
    affine: np.ndarray


def nifti_stem(filename: str) -> Optional[str]:
    """``'la_003'`` for ``'la_003.nii.gz'`` or ``'la_003.nii'``; None for
    other files."""
    lowered = filename.lower()
    for extension in NIFTI_EXTENSIONS:
        if lowered.endswith(extension) and len(filename) > len(extension):
            return filename[:-len(extension)]
    return None


def _load(path: str, mmap: bool = True):
    if not osp.isfile(path):
        raise FileNotFoundError(f'NIfTI file {path} not found')
    try:
        return nib.load(path, mmap=mmap)
    except Exception as error:  # nibabel raises many kinds for bad files
        raise DatasetFormatError(
            f'cannot read {path} as NIfTI: {error}') from error


def read_nifti_header(path: str) -> NiftiHeader:
    """Shape, voxel size and affine of a NIfTI file, from its header only
    (for ``.nii.gz`` only the first bytes are decompressed)."""
    image = _load(path)
    try:
        shape = tuple(int(s) for s in image.shape)
        zooms = tuple(float(z) for z in image.header.get_zooms())
        affine = np.asarray(image.affine, dtype=np.float64)
    except Exception as error:
        raise DatasetFormatError(
            f'cannot read the header of {path}: {error}') from error
    if len(shape) < 3:
        raise DatasetFormatError(
            f'{path}: shape {shape} is not a volume; expected 3-D (x, y, z)')
    spacing = zooms[:3]
    if not all(np.isfinite(s) and s > 0 for s in spacing):
        raise DatasetFormatError(
            f'{path}: voxel sizes (header zooms) {spacing} must be positive; '
            'distances in millimetres need them')
    return NiftiHeader(shape, spacing, affine)


def _image_layout(path: str, shape: Tuple[int, ...],
                  channel_file: bool) -> Tuple[Tuple[int, ...], int]:
    """Spatial shape and channel count of one image file."""
    if len(shape) == 3:
        return shape, 1
    if len(shape) == 4 and not channel_file:
        return shape[:3], shape[3]  # MSD multi-modal: channels last
    expected = ('3-D (x, y, z), one file per channel' if channel_file else
                '3-D (x, y, z) or 4-D (x, y, z, channels)')
    raise DatasetFormatError(
        f'{path}: image has shape {shape}; expected {expected}')


def _check_label_shape(path: str, shape: Tuple[int, ...],
                       spatial: Tuple[int, ...], image_path: str):
    if len(shape) != 3:
        raise DatasetFormatError(
            f'{path}: label has shape {shape} ({len(shape)}-D); expected '
            f'3-D (x, y, z) class ids matching the image {spatial}')
    if tuple(shape) != tuple(spatial):
        raise DatasetFormatError(
            f'{path}: label shape {tuple(shape)} differs from the spatial '
            f'shape {tuple(spatial)} of its image {image_path}')


def _warn_if_other_grid(path: str, affine: np.ndarray, reference: str,
                        reference_affine: np.ndarray):
    # Same shape but another orientation or origin trains on misaligned
    # pairs; nnU-Net treats this as a warning too (headers are often
    # rounded differently by the writing tools).
    if not np.allclose(affine, reference_affine, rtol=1e-4, atol=1e-3):
        warnings.warn(
            f'{path}: affine {np.round(affine, 4).tolist()} differs from '
            f'that of {reference} {np.round(reference_affine, 4).tolist()}; '
            'the arrays are used voxel by voxel, check that they are '
            'aligned', stacklevel=3)


def inspect_nifti_case(image_paths: Sequence[str],
                       label_path: Optional[str] = None
                       ) -> Tuple[NiftiHeader, int]:
    """Check a case from its headers; return the first image header and
    the channel count.

    ``image_paths`` is one file (3-D, or 4-D with channels last) or one 3-D
    file per channel.
    """
    channel_files = len(image_paths) > 1
    first = read_nifti_header(image_paths[0])
    spatial, channels = _image_layout(image_paths[0], first.shape,
                                      channel_files)
    for path in image_paths[1:]:
        header = read_nifti_header(path)
        other, _ = _image_layout(path, header.shape, True)
        if other != spatial:
            raise DatasetFormatError(
                f'{path}: channel shape {other} differs from {spatial} of '
                f'{image_paths[0]}')
        _warn_if_other_grid(path, header.affine, image_paths[0],
                            first.affine)
    channels = channels * len(image_paths)
    if label_path is not None:
        label = read_nifti_header(label_path)
        _check_label_shape(label_path, label.shape, spatial, image_paths[0])
        _warn_if_other_grid(label_path, label.affine, image_paths[0],
                            first.affine)
    return first, channels


def _read_image_file(path: str, channel_file: bool) -> np.ndarray:
    """One image file as float32 (C, x, y, z)."""
    try:
        data = _load(path, mmap=False).get_fdata(dtype=np.float32)
    except (DatasetFormatError, FileNotFoundError):
        raise
    except Exception as error:
        raise DatasetFormatError(
            f'cannot read the voxels of {path}: {error}') from error
    _image_layout(path, data.shape, channel_file)
    finite = np.isfinite(data)
    if not finite.all():
        raise DatasetFormatError(
            f'{path}: image has {int((~finite).sum())} NaN or inf values')
    if data.ndim == 3:
        return data[None]
    return np.ascontiguousarray(np.moveaxis(data, -1, 0))


def zscore_per_channel(image: np.ndarray) -> np.ndarray:
    """Each channel to zero mean and unit std over the whole volume (in
    place); a constant channel becomes 0."""
    for channel in image:
        mean = channel.mean(dtype=np.float64)
        std = channel.std(dtype=np.float64)
        channel -= mean
        if std > 1e-8:
            channel /= std
    return image


def load_nifti_case(image_paths: Sequence[str],
                    label_path: Optional[str] = None,
                    num_classes: int = 2,
                    normalize: Optional[str] = 'zscore'
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read and check one case.

    Returns:
        tuple: the image as float32 ``(C, x, y, z)`` (normalised as asked)
        and the label as uint8 ``(x, y, z)`` (int64 beyond 256 classes), or
        None without ``label_path``.
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f'normalize must be one of {NORMALIZATIONS}, got '
                         f'{normalize!r}')
    channel_files = len(image_paths) > 1
    parts = [_read_image_file(path, channel_files) for path in image_paths]
    spatial = parts[0].shape[1:]
    for path, part in zip(image_paths[1:], parts[1:]):
        if part.shape[1:] != spatial:
            raise DatasetFormatError(
                f'{path}: channel shape {part.shape[1:]} differs from '
                f'{spatial} of {image_paths[0]}')
    image = parts[0] if len(parts) == 1 else np.concatenate(parts)
    if normalize == 'zscore':
        zscore_per_channel(image)

    if label_path is None:
        return image, None
    try:
        label = np.asanyarray(_load(label_path, mmap=False).dataobj)
    except (DatasetFormatError, FileNotFoundError):
        raise
    except Exception as error:
        raise DatasetFormatError(
            f'cannot read the voxels of {label_path}: {error}') from error
    _check_label_shape(label_path, label.shape, spatial, image_paths[0])
    if label.dtype.kind not in 'fiub':
        raise DatasetFormatError(
            f'{label_path}: label has non-numeric dtype {label.dtype}')
    values = np.unique(label)
    fractional = values[values != np.round(values)]  # NaN included
    if fractional.size:
        raise DatasetFormatError(
            f'{label_path}: label has non-integer values '
            f'{fractional[:5].tolist()}; labels must be class ids '
            f'0..{num_classes - 1}')
    outside = values[(values < 0) | (values >= num_classes)]
    if outside.size:
        raise DatasetFormatError(
            f'{label_path}: label has values {outside[:5].tolist()} outside '
            f'the class ids 0..{num_classes - 1} (num_classes={num_classes})')
    label = label.astype(np.uint8 if num_classes <= 256 else np.int64)
    return image, label


def _nifti_files(folder: str) -> Dict[str, str]:
    """Stem -> path of the NIfTI files in ``folder``, sorted by stem."""
    files = {}
    for entry in sorted(os.listdir(folder)):
        # The MSD tar files carry macOS '._<case>.nii.gz' resource forks,
        # which are not images.
        if entry.startswith('.'):
            continue
        stem = nifti_stem(entry)
        path = osp.join(folder, entry)
        if stem is None or not osp.isfile(path):
            continue
        if stem in files:
            raise DatasetFormatError(
                f'{folder}: both {osp.basename(files[stem])} and {entry} '
                f'exist; keep one file per case')
        files[stem] = path
    return dict(sorted(files.items()))


def _group_channel_files(images: Dict[str, str],
                         img_dir: str) -> Dict[str, List[str]]:
    """Case -> its ``_NNNN`` channel files in channel order."""
    cases: Dict[str, Dict[int, str]] = {}
    for stem, path in images.items():
        match = _CHANNEL_FILE.match(stem)
        if match is None:
            raise DatasetFormatError(
                f'{path}: with one file per channel every image must end in '
                f'_0000, _0001, ... (nnU-Net naming); this one does not')
        cases.setdefault(match['case'], {})[int(match['channel'])] = path
    grouped = {}
    for case, channels in cases.items():
        expected = list(range(len(channels)))
        if sorted(channels) != expected:
            missing = sorted(set(range(max(channels) + 1)) - set(channels))
            raise DatasetFormatError(
                f'{img_dir}: case {case!r} has channel files '
                f'{[osp.basename(channels[c]) for c in sorted(channels)]}; '
                f'channel(s) {["_%04d" % c for c in missing]} missing')
        grouped[case] = [channels[c] for c in expected]
    return dict(sorted(grouped.items()))


def discover_nifti_folder(img_dir: str, ann_dir: Optional[str],
                          channel_files: Optional[bool] = None
                          ) -> Dict[str, Tuple[List[str], Optional[str]]]:
    """Cases of a folder pair: name -> (image files, label file or None).

    Args:
        img_dir (str): Folder of images.
        ann_dir (str, optional): Folder of labels named like the cases; it
            may be missing (then nothing is labeled).
        channel_files (bool, optional): Whether images are nnU-Net channel
            files (``<case>_0000.nii.gz``, ...). None guesses: yes when
            every image name ends in ``_NNNN`` and no label is named after a
            whole image name (``la_003_0000`` with a label ``la_003``).
    """
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'image folder {img_dir} does not exist')
    images = _nifti_files(img_dir)
    if not images:
        raise DatasetFormatError(
            f'image folder {img_dir} holds no .nii or .nii.gz files')
    labels = _nifti_files(ann_dir) if ann_dir and osp.isdir(ann_dir) else {}
    if channel_files is None:
        channel_files = (all(_CHANNEL_FILE.match(s) for s in images)
                         and not any(s in labels for s in images))
    if channel_files:
        image_files = _group_channel_files(images, img_dir)
    else:
        image_files = {stem: [path] for stem, path in images.items()}
    orphans = [path for stem, path in labels.items()
               if stem not in image_files]
    if orphans:
        # Usually a naming mismatch, which would silently leave cases
        # unlabeled.
        raise DatasetFormatError(
            f'{len(orphans)} label file(s) in {ann_dir} have no image in '
            f'{img_dir}: {[osp.basename(p) for p in orphans[:5]]}')
    return {case: (paths, labels.get(case))
            for case, paths in image_files.items()}


def _resolve_image(path: str) -> List[str]:
    """The file ``path``, else its nnU-Net channel files (nnU-Net v1's
    dataset.json names ``x.nii.gz`` for ``x_0000.nii.gz``, ...)."""
    if osp.isfile(path):
        return [path]
    folder, stem = osp.dirname(path), nifti_stem(osp.basename(path))
    if stem is not None and osp.isdir(folder):
        channels = {}
        for entry in os.listdir(folder):
            entry_stem = nifti_stem(entry)
            match = _CHANNEL_FILE.match(entry_stem or '')
            if match and match['case'] == stem and not entry.startswith('.'):
                channels[int(match['channel'])] = osp.join(folder, entry)
        if channels:
            if sorted(channels) != list(range(len(channels))):
                raise DatasetFormatError(
                    f'{path}: channel files {sorted(channels.values())} are '
                    'not numbered _0000, _0001, ... without gaps')
            return [channels[c] for c in sorted(channels)]
    raise FileNotFoundError(f'image {path} not found (nor channel files '
                            f'{stem}_0000.nii.gz, ...)')


def _json_class_names(labels, path: str) -> Tuple[str, ...]:
    """Class names in id order from MSD's ``{"0": "background", ...}`` or
    nnU-Net v2's ``{"background": 0, ...}``."""
    if not isinstance(labels, dict) or not labels:
        raise DatasetFormatError(
            f'{path}: "labels" must be a non-empty dict, got {labels!r}')
    try:
        if all(isinstance(v, int) for v in labels.values()):
            by_id = {int(v): str(k) for k, v in labels.items()}
        else:
            by_id = {int(k): str(v) for k, v in labels.items()}
    except (TypeError, ValueError):
        raise DatasetFormatError(
            f'{path}: "labels" must map class ids to names, got '
            f'{labels!r}') from None
    if sorted(by_id) != list(range(len(labels))):
        raise DatasetFormatError(
            f'{path}: "labels" ids {sorted(by_id)} must be 0..'
            f'{len(labels) - 1} without gaps')
    return tuple(by_id[i] for i in range(len(by_id)))


def read_msd_json(path: str) -> dict:
    """Parse and check an MSD ``dataset.json``.

    Returns:
        dict: ``training``: case -> (image path, label path or None);
        ``test``: case -> image path; ``classes`` (tuple or None);
        ``num_channels`` (int or None). Relative paths are resolved against
        the folder holding the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'dataset description {path} not found')
    try:
        with open(path) as f:
            description = json.load(f)
    except (ValueError, UnicodeDecodeError) as error:
        raise DatasetFormatError(
            f'cannot parse {path} as JSON: {error}') from error
    if not isinstance(description, dict):
        raise DatasetFormatError(f'{path}: expected a JSON object, got '
                                 f'{type(description).__name__}')
    base = osp.dirname(path)

    def resolve(entry_path, where):
        if not isinstance(entry_path, str) or not entry_path:
            raise DatasetFormatError(
                f'{path}: {where} must be a file path, got {entry_path!r}')
        return osp.normpath(osp.join(base, entry_path))

    def case_name(image_path, where):
        stem = nifti_stem(osp.basename(image_path))
        if stem is None:
            raise DatasetFormatError(
                f'{path}: {where} {image_path!r} is not a .nii/.nii.gz file')
        return stem

    training = {}
    for index, entry in enumerate(description.get('training') or []):
        where = f'training[{index}]'
        if not isinstance(entry, dict) or 'image' not in entry:
            raise DatasetFormatError(
                f'{path}: {where} must be {{"image": ..., "label": ...}}, '
                f'got {entry!r}')
        image = resolve(entry['image'], f'{where}.image')
        label = entry.get('label')
        label = resolve(label, f'{where}.label') if label else None
        name = case_name(image, f'{where}.image')
        if name in training:
            raise DatasetFormatError(
                f'{path}: case {name!r} appears twice in "training"')
        training[name] = (image, label)

    test = {}
    for index, entry in enumerate(description.get('test') or []):
        where = f'test[{index}]'
        if isinstance(entry, dict):  # some converters write {"image": ...}
            entry = entry.get('image')
        image = resolve(entry, where)
        name = case_name(image, where)
        if name in test:
            raise DatasetFormatError(
                f'{path}: case {name!r} appears twice in "test"')
        test[name] = image

    classes = None
    if 'labels' in description:
        classes = _json_class_names(description['labels'], path)
    # 'modality' in MSD and nnU-Net v1, 'channel_names' in nnU-Net v2.
    modalities = description.get('modality',
                                 description.get('channel_names'))
    if modalities is not None and not isinstance(modalities, dict):
        raise DatasetFormatError(
            f'{path}: "modality" must be a dict of channels, got '
            f'{modalities!r}')
    return dict(training=training, test=test, classes=classes,
                num_channels=len(modalities) if modalities else None)


def _default_classes(num_classes: int) -> Tuple[str, ...]:
    if num_classes == 2:
        return ('background', 'foreground')
    # The names VolumeSegMetric falls back on.
    return ('background', ) + tuple(f'class{i}'
                                    for i in range(1, num_classes))


@DATASETS.register_module()
class NiftiDataset(SeededSampleMixin, CachedArraysMixin, BaseDataset):
    """Volumes from NIfTI files: a folder pair or an MSD ``dataset.json``.

    Each sample, before the pipeline, holds ``img`` float32
    ``(C, x, y, z)`` in nibabel's voxel order (see the module docstring);
    for labeled cases ``gt_seg_map`` uint8 ``(x, y, z)`` and
    ``seg_fields=['gt_seg_map']`` (unlabeled cases never read a label);
    and the metainfo ``case_name``, ``img_path`` (the image file, or the
    ``_0000`` file of per-channel images), ``img_paths`` (all image files
    read), ``seg_map_path`` (None when unlabeled), ``labeled``, ``spacing``
    (header voxel size per axis, usually mm), ``affine`` (4x4 nested list,
    voxel -> world), ``ori_shape`` and ``img_shape`` (spatial).

    Cases and their order: in folder mode every image of ``img_dir``
    sorted by case name; in MSD mode the ``training`` entries in file order.
    Explicit lists (``train_list`` etc. or ``split_file``) replace these,
    in their own order, which decides what ``labeled_selection='first'``
    takes.

    Args:
        data_root (str): Folder of the data; relative paths below are
            relative to it unless absolute.
        split (str): ``'train'`` (all training cases, ``labeled`` set per
            case), ``'train_labeled'``, ``'train_unlabeled'``, ``'test'`` or
            ``'val'``. Training cases are those of ``train_list`` (or
            ``split_file``'s ``"train"``), else every case not named in a
            test or val list. Test/val cases are those of their list, else
            (folder mode) every case of ``img_dir``, or (MSD mode, test
            only) the ``test`` entries of dataset.json, which are unlabeled
            (inference only). Every other test/val case must have a label.
            Defaults to ``'train'``.
        ann_file (str, optional): An MSD ``dataset.json``; given, it
            replaces ``img_dir``/``ann_dir`` (its paths are relative to its
            own folder). Defaults to None (folder mode).
        img_dir (str): Folder of images. Defaults to ``'imagesTr'``.
        ann_dir (str): Folder of labels named like the images' cases
            (``<case>.nii.gz``); may be missing. Images without a label are
            unlabeled cases. Defaults to ``'labelsTr'``.
        train_list, val_list, test_list (str, optional): Files of case
            names, one a line, for each split.
        split_file (str, optional): A JSON file ``{"train": [...], "val":
            [...], "test": [...]}`` (any of the keys), or a list of such
            dicts (nnU-Net's ``splits_final.json``) of which ``fold`` is
            used. Excludes the ``*_list`` arguments.
        fold (int): The fold of a list-valued ``split_file``. Defaults to 0.
        num_labeled (int, optional): How many training cases with a label
            are labeled; None means all of them (or, with ``labeled_list``,
            those listed). Ignored for test and val.
        labeled_selection (str): ``'first'`` or ``'random'``, as
            :func:`~mmssl.datasets.select_labeled`, over the training cases
            that have a label. Defaults to ``'first'``.
        labeled_seed (int): Seed of the ``'random'`` selection. Defaults
            to 0.
        labeled_list (str, optional): A file naming the labeled cases.
        num_classes (int, optional): Label values must lie in
            ``0..num_classes-1``. None takes the count of dataset.json's
            ``labels``, or 2 in folder mode. Defaults to None.
        num_channels (int, optional): Channels every image must have (the
            model's ``in_channels``); None requires only that all cases
            agree (and with dataset.json's ``modality``). Defaults to None.
        channel_files (bool, optional): Folder mode: images are nnU-Net
            per-channel files (True), one file per case (False), or guessed
            from the names (None, see :func:`discover_nifti_folder`).
            Defaults to None.
        normalize (str, optional): ``'zscore'``: each channel of each volume
            to zero mean and unit std over the whole volume (the LA h5 data
            come so normalised); None: the stored intensities (after the
            header's scl_slope/inter) as float32. Defaults to ``'zscore'``.
        cache (bool): Keep loaded volumes in memory after their first read
            (per process). Defaults to True.
        validate (bool): At construction, read every label header too and
            check label dimensionality and shapes against the images
            (headers only; the image headers are always read for spacing
            and affine). Value checks (label values, NaN) happen when a case
            is loaded. Defaults to True.
        pipeline, metainfo, test_mode, lazy_init, serialize_data, indices,
        max_refetch: As in ``mmengine.dataset.BaseDataset``;
        ``serialize_data`` defaults to False.
    """

    METAINFO = dict(
        classes=('background', 'foreground'),
        palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 img_dir: str = 'imagesTr',
                 ann_dir: str = 'labelsTr',
                 train_list: Optional[str] = None,
                 val_list: Optional[str] = None,
                 test_list: Optional[str] = None,
                 split_file: Optional[str] = None,
                 fold: int = 0,
                 num_labeled: Optional[int] = None,
                 labeled_selection: str = 'first',
                 labeled_seed: int = 0,
                 labeled_list: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 num_channels: Optional[int] = None,
                 channel_files: Optional[bool] = None,
                 normalize: Optional[str] = 'zscore',
                 cache: bool = True,
                 validate: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 metainfo: Optional[dict] = None,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 max_refetch: int = 1000):
        if split not in NIFTI_SPLITS:
            raise ValueError(f'split must be one of {NIFTI_SPLITS}, got '
                             f'{split!r}')
        if normalize not in NORMALIZATIONS:
            raise ValueError(f'normalize must be one of {NORMALIZATIONS}, '
                             f'got {normalize!r}')
        self.num_labeled = check_num_labeled(num_labeled)
        check_labeled_selection(labeled_selection, labeled_seed,
                                labeled_list)
        if split_file is not None and any(
                x is not None for x in (train_list, val_list, test_list)):
            raise ValueError('split_file and train_list/val_list/test_list '
                             'exclude each other; give one or the other')
        if num_channels is not None and num_channels < 1:
            raise ValueError(f'num_channels must be >= 1, got {num_channels}')
        if not data_root or not osp.isdir(data_root):
            where = osp.abspath(data_root) if data_root else data_root
            raise FileNotFoundError(
                f'NIfTI data root {data_root!r} ({where}) does not exist or '
                'is not a directory; put the data there (a symlink will do) '
                'or pass --data-root DIR to tools/train.py / tools/test.py')

        def under_root(path):
            if path is None or osp.isabs(path):
                return path
            return osp.join(data_root, path)

        # The description is read now (it is small) because it decides the
        # class names in the metainfo, which BaseDataset sets up first.
        self.description = None
        if ann_file:
            self.description = read_msd_json(under_root(ann_file))
        json_classes = (self.description or {}).get('classes')
        if num_classes is None:
            num_classes = len(json_classes) if json_classes else 2
        elif json_classes and num_classes != len(json_classes):
            raise ValueError(
                f'num_classes={num_classes} but {under_root(ann_file)} names '
                f'{len(json_classes)} labels {list(json_classes)}')
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        json_channels = (self.description or {}).get('num_channels')
        if (num_channels is not None and json_channels is not None
                and num_channels != json_channels):
            raise ValueError(
                f'num_channels={num_channels} but {under_root(ann_file)} '
                f'names {json_channels} modalities')

        self.split = split
        self.labeled_selection = labeled_selection
        self.labeled_seed = int(labeled_seed)
        self.labeled_list = under_root(labeled_list)
        self.split_lists = dict(train=under_root(train_list),
                                val=under_root(val_list),
                                test=under_root(test_list))
        self.split_file = under_root(split_file)
        self.fold = fold
        self.num_classes = num_classes
        self.num_channels = num_channels or json_channels
        self.channel_files = channel_files
        self.normalize = normalize
        self.cache = cache
        self.validate = validate
        self._array_cache = {}

        classes = json_classes or _default_classes(num_classes)
        default_meta = dict(
            classes=classes,
            palette=[_PALETTE[i % len(_PALETTE)] for i in range(len(classes))])
        super().__init__(
            ann_file=ann_file or '',
            metainfo=dict(default_meta, **(metainfo or {})),
            data_root=data_root,
            data_prefix=dict(img_path=img_dir, seg_map_path=ann_dir),
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

    # ----------------------------------------------------------- cases ----
    def _all_cases(self) -> Tuple[dict, dict, str]:
        """Training cases, default test cases and where they came from.

        Cases map name -> dict(images, label, has_label): ``images`` is an
        image path (MSD mode, resolved later) or a list of files, ``label``
        the label path or None; ``has_label`` says whether a label is
        declared (MSD) or found (folder).
        """
        if self.description is not None:
            training = {
                name: dict(images=image, label=label,
                           has_label=label is not None)
                for name, (image, label) in
                self.description['training'].items()
            }
            test = {
                name: dict(images=image, label=None, has_label=False)
                for name, image in self.description['test'].items()
            }
            return training, test, self.ann_file
        img_dir = self.data_prefix['img_path']
        found = discover_nifti_folder(img_dir,
                                      self.data_prefix['seg_map_path'],
                                      self.channel_files)
        cases = {
            name: dict(images=paths, label=label,
                       has_label=label is not None)
            for name, (paths, label) in found.items()
        }
        return cases, cases, img_dir

    def _read_split_lists(self, known: Sequence[str],
                          source: str) -> Dict[str, Tuple[List[str], str]]:
        """split -> (names, file) for the lists given; names checked."""
        lists = {}
        if self.split_file is not None:
            if not osp.isfile(self.split_file):
                raise FileNotFoundError(
                    f'split file {self.split_file} not found')
            try:
                with open(self.split_file) as f:
                    content = json.load(f)
            except (ValueError, UnicodeDecodeError) as error:
                raise DatasetFormatError(
                    f'cannot parse {self.split_file} as JSON: '
                    f'{error}') from error
            if isinstance(content, list):  # nnU-Net's folds
                if not 0 <= self.fold < len(content):
                    raise DatasetFormatError(
                        f'{self.split_file} has {len(content)} folds; '
                        f'fold={self.fold} does not exist')
                content = content[self.fold]
            if not isinstance(content, dict) or not set(content) <= {
                    'train', 'val', 'test'}:
                raise DatasetFormatError(
                    f'{self.split_file}: expected {{"train": [...], "val": '
                    '[...], "test": [...]}} (any of the keys), got '
                    f'{str(content)[:200]}')
            for key, names in content.items():
                if not isinstance(names, list) or not all(
                        isinstance(n, str) for n in names):
                    raise DatasetFormatError(
                        f'{self.split_file}: "{key}" must be a list of case '
                        'names')
                lists[key] = (names, self.split_file)
        else:
            for key, path in self.split_lists.items():
                if path is None:
                    continue
                if not osp.isfile(path):
                    raise FileNotFoundError(f'{key} list {path} not found')
                lists[key] = (read_case_list(path), path)
        for names, path in lists.values():
            _check_names(names, known, path, source)
        # A case trained on and scored would inflate the results silently.
        for held_out in ('val', 'test'):
            if 'train' in lists and held_out in lists:
                shared = [n for n in lists['train'][0]
                          if n in set(lists[held_out][0])]
                if shared:
                    raise DatasetFormatError(
                        f'{lists["train"][1]} and {lists[held_out][1]} both '
                        f'list {shared[:5]} as train and {held_out} cases')
        return lists

    def _split_cases(self) -> Tuple[List[str], dict, List[bool], str]:
        """The split's names, their cases, labeled flags and source."""
        training, default_test, source = self._all_cases()
        lists = self._read_split_lists(list(training), source)
        if self.split in ('test', 'val'):
            key = self.split
            if key in lists:
                names, source = lists[key]
                return names, training, [True] * len(names), source
            if self.description is None:
                names = list(default_test)
                return names, default_test, [True] * len(names), source
            if key == 'val':
                raise ValueError(
                    "split='val' needs val_list or split_file: "
                    f'{self.ann_file} has no validation cases')
            if not default_test:
                raise DatasetFormatError(
                    f'{source} has no "test" entries; give test_list')
            # MSD publishes its test images without labels: inference only.
            names = list(default_test)
            return names, default_test, [False] * len(names), source

        if 'train' in lists:
            names, source = lists['train']
        else:
            held_out = {n for key in ('val', 'test') if key in lists
                        for n in lists[key][0]}
            names = [n for n in training if n not in held_out]
        if self.labeled_list is not None:
            if not osp.isfile(self.labeled_list):
                raise FileNotFoundError(
                    f'labeled list {self.labeled_list} not found')
            _check_names(read_case_list(self.labeled_list), names,
                         self.labeled_list, f'the training cases of {source}')
            labeled_names = select_labeled(
                names, self.num_labeled, list_file=self.labeled_list,
                names_source=f'the training cases of {source}')
        else:
            # Cases without a label file can only be unlabeled.
            candidates = [n for n in names if training[n]['has_label']]
            labeled_names = select_labeled(
                candidates, self.num_labeled, self.labeled_selection,
                self.labeled_seed,
                names_source=f'the {len(candidates)} training cases with a '
                f'label in {source}')
        labeled_names = set(labeled_names)
        return names, training, [n in labeled_names for n in names], source

    # ------------------------------------------------------- data list ----
    def load_data_list(self) -> List[dict]:
        names, cases, labeled, source = self._split_cases()
        if self.split == 'train_labeled':
            keep = labeled
        elif self.split == 'train_unlabeled':
            keep = [not flag for flag in labeled]
        else:
            keep = [True] * len(names)
        if not any(keep):
            raise ValueError(
                f'split {self.split!r} with num_labeled={self.num_labeled} '
                f'selects no case of the {len(names)} in {source}')

        data_list = []
        # What the channel count is checked against, for the message.
        num_channels, channels_source = self.num_channels, 'num_channels ='
        if self.description is not None and num_channels is not None:
            channels_source = f'"modality" of {self.ann_file} names'
        for name, is_labeled, kept in zip(names, labeled, keep):
            if not kept:
                continue
            case = cases[name]
            images = case['images']
            if isinstance(images, str):
                images = _resolve_image(images)
            label = case['label'] if is_labeled else None
            if is_labeled and label is None:
                if self.description is not None:
                    raise DatasetFormatError(
                        f'{self.ann_file}: case {name!r} is to be labeled '
                        'but its entry names no "label"')
                # Where the label was looked for, for the message below.
                label = osp.join(self.data_prefix['seg_map_path'],
                                 f'{name}.nii.gz')
            if label is not None and not osp.isfile(label):
                raise FileNotFoundError(
                    f'label {label} of labeled case {name!r} not found')
            header, channels = inspect_nifti_case(
                images, label if self.validate else None)
            if num_channels is None:
                num_channels, channels_source = channels, f'{images[0]} has'
            elif channels != num_channels:
                raise DatasetFormatError(
                    f'{images[0]}: {channels} channel(s), but '
                    f'{channels_source} {num_channels}')
            data_list.append(
                dict(
                    case_name=name,
                    img_path=images[0],
                    img_paths=tuple(images),
                    seg_map_path=label,
                    labeled=is_labeled,
                    spacing=header.spacing,
                    affine=header.affine.tolist()))
        return data_list

    # --------------------------------------------------------- loading ----
    def read_arrays(self, info: dict
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        label_path = info['seg_map_path'] if info['labeled'] else None
        return load_nifti_case(info['img_paths'], label_path,
                               self.num_classes, self.normalize)

    def cache_key(self, info: dict):
        return tuple(info['img_paths']), info['labeled']

    def __repr__(self):
        where = self.ann_file or self.data_prefix.get('img_path')
        return (f'{self.__class__.__name__}({where!r}, '
                f'split={self.split!r}, num_labeled={self.num_labeled}, '
                f'len={len(self) if self._fully_initialized else "?"})')


def _check_names(names: Sequence[str], known: Sequence[str], path: str,
                 source: str):
    """A list file's names: no duplicates, all known."""
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DatasetFormatError(
            f'{path} lists cases more than once: {duplicates[:5]}')
    known = set(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise DatasetFormatError(
            f'{path} names {len(unknown)} case(s) not in {source}: '
            f'{unknown[:5]}' + (' ...' if len(unknown) > 5 else ''))
