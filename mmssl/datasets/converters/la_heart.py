"""Convert the raw 2018 Atrial Segmentation Challenge training set to the
UA-MT h5 layout that ``LAHeartDataset`` reads.

Raw input, one folder per case::

    raw_root/<case>/lgemri.nrrd     # LGE-MRI volume
    raw_root/<case>/laendo.nrrd     # endocardium mask, 255 = left atrium

Output::

    out_root/2018LA_Seg_Training Set/<case>/mri_norm2.h5
    out_root/train.list   out_root/test.list

Each case, as UA-MT preprocessed it:

- ``label = (laendo == 255)`` as uint8;
- ``image`` z-scored with the mean and std of the *whole* volume, before
  cropping: this is what UA-MT's preprocessing did, so converted cases match
  the published h5 files, and the statistics do not depend on the random
  crop;
- x and y (the first two axes) cropped to the label's bounding box plus a
  margin of 10 to 20 voxels (inclusive) drawn independently for each of the
  four sides, clipped to the volume; z is kept whole;
- then x and y zero-padded symmetrically to at least 112 (the training
  crop), the odd voxel going after.

The margins come from ``numpy.random.default_rng([seed, crc32(case)])``, so
a case's crop depends only on the seed and its name, not on which other
cases are converted. Arrays are read in NRRD's index order (x, y, z), as
pynrrd returns them by default and as the published h5 files store them.
Each h5 also records where its crop came from as attributes
(``raw_shape``, ``crop_start``, ``crop_stop``, ``pad_before``,
``pad_after``, ``seed``), so predictions can be mapped back to raw space.

Without list files, the cases are split by a seeded shuffle of their sorted
names: the first ``num_test`` go to test.list, the rest, in the shuffled
order, to train.list (whose first lines are the labeled cases of the
semi-supervised splits, so a random order avoids an alphabetical bias).
Given lists are written back in their own order.

Failure handling: problems that the NRRD headers reveal (missing files,
non-3-D volumes, image/label shape mismatch) and existing outputs are
checked for every case before anything is written. Problems that need the
voxels (label values, empty label, NaN) are found case by case; the other
cases are still converted, the failures are all reported at the end, and
the list files are then not written, so a failed conversion never looks
like a usable dataset. Each h5 is written to a temporary file that is
renamed into place, so a killed run never leaves a truncated
``mri_norm2.h5``.
"""
import glob
import os
import os.path as osp
import tempfile
import time
import zlib
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import h5py
import nrrd
import numpy as np

from ..la_heart import LA_CASE_FILE, LA_IMAGE_DIR, DatasetFormatError
from ..utils import read_case_list

RAW_IMAGE_FILE = 'lgemri.nrrd'
RAW_LABEL_FILE = 'laendo.nrrd'
RAW_FOREGROUND = 255
MARGIN_RANGE = (10, 20)  # inclusive, voxels per side
MIN_XY_SIZE = 112  # UA-MT's training crop is 112 x 112 x 80
TRAIN_LIST, TEST_LIST = 'train.list', 'test.list'
# What pynrrd raises on a corrupt file (zlib/EOF: a damaged data stream).
_READ_ERRORS = (nrrd.NRRDError, OSError, ValueError, EOFError, zlib.error)


class LAConversionError(RuntimeError):
    """One or more cases could not be converted.

    ``failures`` maps each failed case to its message, which names the
    offending file.
    """

    def __init__(self, failures: Dict[str, str], note: str = ''):
        self.failures = dict(failures)
        lines = [f'  {case}: {message}' for case, message in failures.items()]
        super().__init__(f'{len(failures)} case(s) failed{note}:\n' +
                         '\n'.join(lines))


def raw_case_files(raw_root: str, case: str) -> Tuple[str, str]:
    """Paths of a case's image and label NRRD files."""
    return (osp.join(raw_root, case, RAW_IMAGE_FILE),
            osp.join(raw_root, case, RAW_LABEL_FILE))


def _read_header(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    try:
        return nrrd.read_header(path)
    except _READ_ERRORS as err:
        raise DatasetFormatError(
            f'{path}: cannot read as NRRD: {err}') from err


def _check_3d(path: str, shape: Sequence[int]):
    if len(shape) != 3:
        raise DatasetFormatError(
            f'{path}: expected a 3-D volume, got shape {tuple(shape)}')


def _check_same_shape(image_path: str, image_shape, label_path: str,
                      label_shape):
    if tuple(image_shape) != tuple(label_shape):
        raise DatasetFormatError(
            f'{label_path}: label shape {tuple(label_shape)} differs from '
            f'image shape {tuple(image_shape)} of {image_path}')


def check_raw_la_headers(raw_root: str, case: str) -> Tuple[int, ...]:
    """Check a case from its NRRD headers only (no voxel is decoded):
    both files present, 3-D, same shape. Returns the shape."""
    image_path, label_path = raw_case_files(raw_root, case)
    shapes = []
    for path in (image_path, label_path):
        header = _read_header(path)
        shape = tuple(int(s) for s in header.get('sizes', ()))
        _check_3d(path, shape)
        shapes.append(shape)
    _check_same_shape(image_path, shapes[0], label_path, shapes[1])
    return shapes[0]


def _read_data(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    try:
        data, _ = nrrd.read(path)
    except _READ_ERRORS as err:
        raise DatasetFormatError(
            f'{path}: cannot read as NRRD: {err}') from err
    return data


def read_raw_la_case(raw_root: str,
                     case: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read and check a case's image and ``laendo`` mask.

    Raises ``FileNotFoundError`` for a missing file and
    ``DatasetFormatError`` for bad content; messages name the file.
    """
    image_path, label_path = raw_case_files(raw_root, case)
    image = _read_data(image_path)
    _check_3d(image_path, image.shape)
    if image.dtype.kind not in 'fiub':
        raise DatasetFormatError(
            f'{image_path}: non-numeric image dtype {image.dtype}')
    if image.dtype.kind == 'f':
        finite = np.isfinite(image)
        if not finite.all():
            raise DatasetFormatError(
                f'{image_path}: image has {int((~finite).sum())} NaN or inf '
                'values')
        del finite
    if image.size == 0 or image.min() == image.max():
        # It could not be z-scored.
        raise DatasetFormatError(f'{image_path}: image is constant')

    mask = _read_data(label_path)
    _check_3d(label_path, mask.shape)
    _check_same_shape(image_path, image.shape, label_path, mask.shape)
    bad = (mask != 0) & (mask != RAW_FOREGROUND)
    if bad.any():
        values = np.unique(mask[bad])
        raise DatasetFormatError(
            f'{label_path}: label values must be 0 or {RAW_FOREGROUND}, '
            f'found {values[:10].tolist()} in {int(bad.sum())} voxels')
    if not (mask == RAW_FOREGROUND).any():
        raise DatasetFormatError(
            f'{label_path}: label is empty (no voxel is {RAW_FOREGROUND})')
    return image, mask


def draw_margins(seed: int, case: str) -> np.ndarray:
    """Margins (before, after) for x and y, shape (2, 2), reproducible from
    ``seed`` and the case name alone."""
    rng = np.random.default_rng([int(seed), zlib.crc32(case.encode())])
    low, high = MARGIN_RANGE
    return rng.integers(low, high + 1, size=(2, 2))


def preprocess_la_case(image: np.ndarray, mask: np.ndarray,
                       margins: np.ndarray,
                       min_xy_size: int = MIN_XY_SIZE
                       ) -> Tuple[np.ndarray, np.ndarray, dict]:
    """Z-score, crop x/y around the label and pad (see the module doc).

    Args:
        image (np.ndarray): Raw image (x, y, z).
        mask (np.ndarray): Raw mask, ``RAW_FOREGROUND`` = left atrium, with
            at least one foreground voxel.
        margins (np.ndarray): (2, 2) margins (before, after) for x and y.
        min_xy_size (int): Pad x and y to at least this.

    Returns:
        tuple: float32 image, uint8 label in {0, 1}, and a dict with
        ``raw_shape``, ``crop_start``, ``crop_stop``, ``pad_before`` and
        ``pad_after`` (per axis, z included).
    """
    label = (mask == RAW_FOREGROUND).astype(np.uint8)
    # Statistics of the whole volume (float64 for a stable sum), before
    # the crop: see the module doc.
    mean = image.mean(dtype=np.float64)
    std = image.std(dtype=np.float64)
    if not std > 0:
        raise ValueError('image is constant, cannot z-score it')

    start, stop = [0, 0, 0], list(image.shape)
    for axis in range(2):
        other_axes = tuple(a for a in range(3) if a != axis)
        present = np.flatnonzero(label.any(axis=other_axes))
        start[axis] = max(int(present[0]) - int(margins[axis][0]), 0)
        stop[axis] = min(int(present[-1]) + 1 + int(margins[axis][1]),
                         image.shape[axis])
    window = tuple(slice(a, b) for a, b in zip(start, stop))
    cropped = ((image[window] - mean) / std).astype(np.float32)
    label = label[window]

    pad_before, pad_after = [0, 0, 0], [0, 0, 0]
    for axis in range(2):
        missing = max(min_xy_size - cropped.shape[axis], 0)
        pad_before[axis] = missing // 2
        pad_after[axis] = missing - missing // 2
    pad_width = list(zip(pad_before, pad_after))
    if any(pad_before + pad_after):
        cropped = np.pad(cropped, pad_width)
        label = np.pad(label, pad_width)
    info = dict(
        raw_shape=tuple(image.shape),
        crop_start=tuple(start),
        crop_stop=tuple(stop),
        pad_before=tuple(pad_before),
        pad_after=tuple(pad_after))
    # Contiguous C arrays: pynrrd returns Fortran-ordered ones.
    return np.ascontiguousarray(cropped), np.ascontiguousarray(label), info


def write_la_h5(path: str, image: np.ndarray, label: np.ndarray,
                attrs: Optional[dict] = None):
    """Write a case atomically: a temporary file in the same folder, then
    ``os.replace``. Stale temporary files of killed runs are removed."""
    folder = osp.dirname(path)
    os.makedirs(folder, exist_ok=True)
    prefix = f'.{osp.basename(path)}.'
    for stale in glob.glob(osp.join(glob.escape(folder), prefix + '*.tmp')):
        os.remove(stale)
    fd, tmp_path = tempfile.mkstemp(prefix=prefix, suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        # track_times=False: the same input gives byte-identical files.
        with h5py.File(tmp_path, 'w') as h5_file:
            h5_file.create_dataset('image', data=image, compression='gzip',
                                   track_times=False)
            h5_file.create_dataset('label', data=label, compression='gzip',
                                   track_times=False)
            for key, value in (attrs or {}).items():
                h5_file.attrs[key] = value
        _fsync(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def _fsync(path: str):
    with open(path, 'rb') as f:
        os.fsync(f.fileno())


def _write_text_atomic(path: str, text: str):
    fd, tmp_path = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                                    suffix='.tmp', dir=osp.dirname(path))
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def find_raw_cases(raw_root: str) -> List[str]:
    """Sorted names of the case folders in ``raw_root``."""
    if not osp.isdir(raw_root):
        raise FileNotFoundError(f'raw LA folder {raw_root} does not exist')
    cases = sorted(name for name in os.listdir(raw_root)
                   if not name.startswith('.')
                   and osp.isdir(osp.join(raw_root, name)))
    if not cases:
        raise FileNotFoundError(f'{raw_root} holds no case folder')
    return cases


def seeded_split(cases: Sequence[str], num_test: int,
                 seed: int) -> Tuple[List[str], List[str]]:
    """(train, test): a seeded shuffle of the sorted names, the first
    ``num_test`` to test."""
    if not 1 <= num_test < len(cases):
        raise ValueError(f'num_test must be in 1..{len(cases) - 1} for '
                         f'{len(cases)} cases, got {num_test}')
    names = sorted(cases)
    order = np.random.default_rng(int(seed)).permutation(len(names))
    shuffled = [names[i] for i in order]
    return shuffled[num_test:], shuffled[:num_test]


def _read_split_lists(train_list: str,
                      test_list: str) -> Tuple[List[str], List[str]]:
    lists = []
    for path in (train_list, test_list):
        if not osp.isfile(path):
            raise FileNotFoundError(f'list file {path} not found')
        names = read_case_list(path)
        if not names:
            raise ValueError(f'{path} lists no cases')
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f'{path} lists cases more than once: '
                             f'{duplicates[:5]}')
        lists.append(names)
    both = sorted(set(lists[0]) & set(lists[1]))
    if both:
        raise ValueError(f'{train_list} and {test_list} share cases: '
                         f'{both[:5]}')
    return lists[0], lists[1]


def _plan_split(raw_root: str, cases: Optional[Sequence[str]],
                train_list: Optional[str], test_list: Optional[str],
                num_test: int, seed: int,
                log: Callable) -> Tuple[List[str], List[str]]:
    """Decide the train and test cases, in list order."""
    if (train_list is None) != (test_list is None):
        raise ValueError('give both train_list and test_list, or neither')
    if cases is not None:
        cases = list(cases)
        duplicates = sorted({c for c in cases if cases.count(c) > 1})
        if not cases or duplicates:
            raise ValueError('cases must be a non-empty list of distinct '
                             f'names, got {cases}')
    if train_list is None:
        if cases is None:
            cases = find_raw_cases(raw_root)
        return seeded_split(cases, num_test, seed)

    train, test = _read_split_lists(train_list, test_list)
    if cases is not None:
        unknown = sorted(set(cases) - set(train) - set(test))
        if unknown:
            raise ValueError(f'cases {unknown[:5]} are in neither '
                             f'{train_list} nor {test_list}')
        wanted = set(cases)
        train = [c for c in train if c in wanted]
        test = [c for c in test if c in wanted]
        if not train or not test:
            raise ValueError(f'the given cases leave the '
                             f'{"train" if not train else "test"} list empty')
    else:
        skipped = sorted(set(find_raw_cases(raw_root)) - set(train + test))
        if skipped:
            log(f'note: {len(skipped)} case folder(s) in {raw_root} are in '
                f'neither list and are skipped: {skipped[:5]}')
    return train, test


def convert_la(raw_root: str,
               out_root: str,
               seed: int = 1337,
               num_test: int = 20,
               train_list: Optional[str] = None,
               test_list: Optional[str] = None,
               cases: Optional[Sequence[str]] = None,
               overwrite: bool = False,
               log: Callable[[str], None] = print) -> dict:
    """Convert raw LA cases to the UA-MT h5 layout (see the module doc).

    Args:
        raw_root (str): Folder of case folders with ``lgemri.nrrd`` and
            ``laendo.nrrd``.
        out_root (str): Output data root (``data_root`` of
            ``LAHeartDataset``).
        seed (int): Seed of the crop margins and of the split.
        num_test (int): Test cases of the seeded split; unused with lists.
        train_list, test_list (str, optional): List files to reuse (e.g.
            UA-MT's published split); both or neither.
        cases (Sequence[str], optional): Convert only these cases; given
            lists are then restricted to them.
        overwrite (bool): Replace existing output cases and lists.
        log (callable): Receives one progress line per case and a summary.

    Returns:
        dict: ``train`` and ``test`` (names in list order) and ``cases``
        (per-case crop information, see ``preprocess_la_case``).

    Raises:
        LAConversionError: Some cases failed; nothing was written if the
            failure showed in the headers, and no list file otherwise.
        FileNotFoundError, ValueError: Bad arguments, raw root or lists.
        FileExistsError: Outputs exist and ``overwrite`` is False.
    """
    if not osp.isdir(raw_root):
        raise FileNotFoundError(f'raw LA folder {raw_root} does not exist')
    train, test = _plan_split(raw_root, cases, train_list, test_list,
                              num_test, seed, log)
    all_cases = train + test
    image_dir = osp.join(out_root, LA_IMAGE_DIR)
    out_paths = {c: osp.join(image_dir, c, LA_CASE_FILE) for c in all_cases}
    list_paths = [osp.join(out_root, name) for name in (TRAIN_LIST, TEST_LIST)]

    # Everything the headers can tell, for every case, before writing.
    failures = {}
    for case in all_cases:
        try:
            check_raw_la_headers(raw_root, case)
        except (OSError, ValueError) as err:
            failures[case] = str(err)
    if failures:
        raise LAConversionError(failures, note=' (nothing was written)')
    existing = [p for p in list(out_paths.values()) + list_paths
                if osp.exists(p)]
    if existing and not overwrite:
        raise FileExistsError(
            f'{len(existing)} output file(s) exist, e.g. {existing[0]}; pass '
            '--overwrite (overwrite=True) to replace them')
    # Stale lists would make a failed rerun look like a finished dataset.
    for path in list_paths:
        if osp.exists(path):
            os.remove(path)

    results = {}
    started = time.monotonic()
    for index, case in enumerate(all_cases, 1):
        case_start = time.monotonic()
        try:
            image, mask = read_raw_la_case(raw_root, case)
            out_image, out_label, info = preprocess_la_case(
                image, mask, draw_margins(seed, case))
            del image, mask
            attrs = {key: np.asarray(value) for key, value in info.items()}
            attrs['seed'] = int(seed)
            write_la_h5(out_paths[case], out_image, out_label, attrs)
        except (OSError, ValueError) as err:
            message = failures[case] = str(err)
            log(f'[{index}/{len(all_cases)}] {case}: FAILED: {message}')
            continue
        results[case] = info
        (x0, y0, _), (x1, y1, _) = info['crop_start'], info['crop_stop']
        log(f'[{index}/{len(all_cases)}] {case}: {info["raw_shape"]} -> '
            f'{out_image.shape}, crop x {x0}:{x1} y {y0}:{y1}, pad x '
            f'{info["pad_before"][0]}+{info["pad_after"][0]} y '
            f'{info["pad_before"][1]}+{info["pad_after"][1]} '
            f'({time.monotonic() - case_start:.1f} s)')

    if failures:
        raise LAConversionError(
            failures, note=f' ({len(results)} converted; list files not '
            'written)')
    for path, names in zip(list_paths, (train, test)):
        _write_text_atomic(path, ''.join(f'{name}\n' for name in names))
    log(f'Converted {len(all_cases)} cases ({len(train)} train, {len(test)} '
        f'test) into {out_root} in {time.monotonic() - started:.1f} s; '
        f'lists: {list_paths[0]}, {list_paths[1]}')
    return dict(train=train, test=test, cases=results)
