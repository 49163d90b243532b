"""Dataset-agnostic helpers shared by the semi-supervised datasets."""
import numbers
from typing import List, Optional, Sequence, Tuple

import numpy as np

LABELED_SELECTIONS = ('first', 'random')


def read_case_list(path: str) -> List[str]:
    """Case names in a list file, one a line; blank lines are skipped."""
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def check_num_labeled(num_labeled: Optional[int]) -> Optional[int]:
    """``num_labeled`` as an int, or None; rejects bools and negatives."""
    if num_labeled is None:
        return None
    if (not isinstance(num_labeled, numbers.Integral)
            or isinstance(num_labeled, bool) or num_labeled < 0):
        raise ValueError('num_labeled must be a non-negative int or None, '
                         f'got {num_labeled!r}')
    return int(num_labeled)


def check_labeled_selection(selection: str, seed: int,
                            list_file: Optional[str]):
    """Validate the selection arguments alone, before any file is read."""
    if selection not in LABELED_SELECTIONS:
        raise ValueError(f'labeled_selection must be one of '
                         f'{LABELED_SELECTIONS}, got {selection!r}')
    if (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
            or seed < 0):
        raise ValueError(
            f'labeled_seed must be a non-negative int, got {seed!r}')
    if list_file is not None and selection != 'first':
        # Both would claim to decide the labeled set; refuse to guess.
        raise ValueError(
            f'labeled_list={list_file!r} and labeled_selection='
            f'{selection!r} exclude each other; leave labeled_selection at '
            "'first' when giving a list")


def check_val_holdout(val_holdout) -> int:
    """``val_holdout`` as an int (None counts as 0); rejects bools and
    negatives."""
    if val_holdout is None:
        return 0
    if (not isinstance(val_holdout, numbers.Integral)
            or isinstance(val_holdout, bool) or val_holdout < 0):
        raise ValueError('val_holdout must be a non-negative int or None, '
                         f'got {val_holdout!r}')
    return int(val_holdout)


def carve_val_holdout(names: Sequence[str], val_holdout: int,
                      names_source: str = 'the case list'
                      ) -> Tuple[List[str], List[str]]:
    """Split training names into (train, val): the last ``val_holdout``
    names are held out for validation.

    The last ones, so that the papers' labeled cases (the first of the list)
    stay labeled; the split depends only on the list and the count. Labeled
    and unlabeled cases are then chosen among the remaining names only.
    """
    val_holdout = check_val_holdout(val_holdout)
    if val_holdout >= len(names):
        raise ValueError(
            f'val_holdout={val_holdout} but {names_source} lists only '
            f'{len(names)} cases; at least one must stay for training')
    cut = len(names) - val_holdout
    return list(names[:cut]), list(names[cut:])


def select_labeled(names: Sequence[str],
                   num_labeled: Optional[int] = None,
                   selection: str = 'first',
                   seed: int = 0,
                   list_file: Optional[str] = None,
                   names_source: str = 'the case list') -> List[str]:
    """Choose which of ``names`` are labeled.

    Args:
        names (Sequence[str]): All training case names, without duplicates.
        num_labeled (int, optional): How many are labeled; None means all
            (or, with ``list_file``, as many as the file lists).
        selection (str): ``'first'``: the first ``num_labeled`` names (the
            papers' protocol); ``'random'``: ``num_labeled`` names drawn
            without replacement by ``numpy.random.default_rng(seed)``, so the
            choice depends only on the seed and the order of ``names``.
            Defaults to ``'first'``.
        seed (int): Seed of the ``'random'`` selection. Defaults to 0.
        list_file (str, optional): A file listing the labeled names, one a
            line. Every name must be in ``names``; ``num_labeled`` must then
            be None or the number of names listed.
        names_source (str): What ``names`` came from (e.g. a list file's
            path), for error messages.

    Returns:
        list[str]: The labeled names, in the order of ``names``.
    """
    num_labeled = check_num_labeled(num_labeled)
    check_labeled_selection(selection, seed, list_file)

    if list_file is not None:
        listed = read_case_list(list_file)
        duplicates = sorted({n for n in listed if listed.count(n) > 1})
        if duplicates:
            raise ValueError(f'labeled list {list_file} lists cases more '
                             f'than once: {duplicates[:5]}')
        known = set(names)
        unknown = [n for n in listed if n not in known]
        if unknown:
            raise ValueError(
                f'labeled list {list_file} names {len(unknown)} case(s) not '
                f'in {names_source}: {unknown[:5]}' +
                (' ...' if len(unknown) > 5 else ''))
        if num_labeled is not None and num_labeled != len(listed):
            raise ValueError(
                f'num_labeled={num_labeled} but labeled list {list_file} '
                f'lists {len(listed)} cases; set num_labeled=None or '
                f'{len(listed)}')
        chosen = set(listed)
        return [n for n in names if n in chosen]

    if num_labeled is None:
        return list(names)
    if num_labeled > len(names):
        raise ValueError(f'num_labeled={num_labeled} but {names_source} '
                         f'lists only {len(names)} cases')
    if selection == 'first':
        return list(names[:num_labeled])
    rng = np.random.default_rng(seed)
    picked = set(rng.choice(len(names), size=num_labeled,
                            replace=False).tolist())
    return [n for i, n in enumerate(names) if i in picked]
