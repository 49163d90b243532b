from .config import (add_common_arguments, enable_autocast, format_metrics,
                     load_config, parse_common_arguments, set_data_root)
from .mmcv_compat import has_compiled_mmcv_ops, patch_mmcv_ops

__all__ = [
    'add_common_arguments', 'enable_autocast', 'format_metrics',
    'has_compiled_mmcv_ops', 'load_config', 'parse_common_arguments',
    'patch_mmcv_ops', 'set_data_root'
]
