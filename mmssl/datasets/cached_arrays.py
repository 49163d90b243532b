"""What the case datasets share: a per-process cache of each case's arrays
and the step from a case's arrays to the pipeline's input dict."""
from typing import Hashable, Optional, Tuple

import numpy as np


class CachedArraysMixin:
    """Subclasses implement :meth:`read_arrays` (and may override
    :meth:`cache_key`); ``self.cache`` switches the cache on.

    The cache lives in ``self._array_cache``; workers started by spawn get
    an empty one instead of a pickled copy of every case read so far.
    """

    def read_arrays(self, info: dict
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Image (C, *spatial) and label (*spatial; None when unlabeled) of
        the case described by ``info`` (its data info)."""
        raise NotImplementedError

    def cache_key(self, info: dict) -> Hashable:
        return info['img_path'], info['labeled']

    def case_arrays(self, info: dict
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """:meth:`read_arrays`, from the cache when present. The cached
        arrays must not be modified."""
        cache = self.__dict__.setdefault('_array_cache', {})
        key = self.cache_key(info)
        if key in cache:
            return cache[key]
        arrays = self.read_arrays(info)
        if self.cache:
            cache[key] = arrays
        return arrays

    def prepare_data(self, idx: int):
        results = self.get_data_info(idx)
        image, label = self.case_arrays(results)
        # Copies, so no transform can alter the cached arrays.
        results['img'] = image.copy()
        results['ori_shape'] = tuple(image.shape[1:])
        results['img_shape'] = tuple(image.shape[1:])
        results['seg_fields'] = []
        if label is not None:
            results['gt_seg_map'] = label.copy()
            results['seg_fields'].append('gt_seg_map')
        return self.pipeline(results)

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_array_cache'] = {}
        return state
