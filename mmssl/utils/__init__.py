from .config import (add_common_arguments, default_autocast_dtype,
                     enable_autocast, enable_channels_last, enable_compile,
                     enable_pin_memory, format_metrics, load_config,
                     parse_common_arguments, set_data_root, set_test_options)
from .mmcv_compat import has_compiled_mmcv_ops, patch_mmcv_ops

__all__ = [
    'add_common_arguments', 'default_autocast_dtype', 'enable_autocast',
    'enable_channels_last', 'enable_compile', 'enable_pin_memory',
    'format_metrics', 'has_compiled_mmcv_ops', 'load_config',
    'parse_common_arguments', 'patch_mmcv_ops', 'set_data_root',
    'set_test_options'
]
