"""Helpers writing tiny LA-format data (UA-MT h5 layout)."""
import os
import os.path as osp

import h5py
import numpy as np

IMAGE_DIR = '2018LA_Seg_Training Set'
TRAIN_NAMES = ['case_a', 'case_b', 'case_c', 'case_d', 'case_e']
TEST_NAMES = ['case_t1', 'case_t2']


def case_arrays(index, shape=(10, 12, 8)):
    """Distinct, reproducible image/label of one fixture case."""
    rng = np.random.default_rng(index)
    image = rng.standard_normal(shape).astype(np.float32)
    label = (rng.random(shape) > 0.7).astype(np.uint8)
    return image, label


def write_case(path, **datasets):
    """Write an h5 file with the given datasets (gzip, like the authors)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with h5py.File(path, 'w') as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value, compression='gzip')


def case_path(root, name):
    return osp.join(str(root), IMAGE_DIR, name, 'mri_norm2.h5')


def write_list(path, names):
    # Surrounding whitespace and blank lines must be ignored.
    with open(path, 'w') as f:
        f.write('\n'.join(f'  {name} ' for name in names) + '\n\n')
