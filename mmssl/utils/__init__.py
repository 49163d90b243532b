from .config import (enable_autocast, format_metrics, load_config,
                     set_data_root)
from .mmcv_compat import has_compiled_mmcv_ops, patch_mmcv_ops

__all__ = [
    'enable_autocast', 'format_metrics', 'has_compiled_mmcv_ops',
    'load_config', 'patch_mmcv_ops',
    'set_data_root'
]
