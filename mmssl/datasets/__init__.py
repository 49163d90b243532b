from .acdc import ACDCDataset
from .la_heart import (LA_CASE_FILE, LA_IMAGE_DIR, LA_SPLITS,
                       DatasetFormatError, LAHeartDataset, find_list_file,
                       inspect_la_case, load_la_case, read_case_list)
from .nifti import NiftiDataset
from .samplers import TwoStreamSampler
from .synthetic import (SyntheticLAHeartDataset, generate_synthetic_la,
                        synthesize_la_case)
from .synthetic2d import Synthetic2DDataset, generate_synthetic_2d
from .transforms import (CenterCrop, PackSegVolumeInputs, RandomCrop,
                         RandomRotFlip, Resample)
from .utils import select_labeled

__all__ = [
    'LAHeartDataset', 'SyntheticLAHeartDataset', 'DatasetFormatError',
    'generate_synthetic_la', 'synthesize_la_case', 'find_list_file',
    'inspect_la_case', 'load_la_case', 'read_case_list', 'LA_CASE_FILE',
    'LA_IMAGE_DIR', 'LA_SPLITS', 'CenterCrop', 'PackSegVolumeInputs',
    'RandomCrop', 'RandomRotFlip', 'Resample', 'TwoStreamSampler',
    'select_labeled', 'NiftiDataset', 'ACDCDataset',
    'Synthetic2DDataset', 'generate_synthetic_2d'
]
