from .mmcv_compat import has_compiled_mmcv_ops, patch_mmcv_ops

__all__ = ['has_compiled_mmcv_ops', 'patch_mmcv_ops']
