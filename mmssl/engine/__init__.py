from .checkpoint import decode_after_safe_loading, encode_for_safe_loading
from .hooks import EMATeacherHook, ProgressBarHook, SavePredictionsHook
from .optimizers import (AutocastOptimWrapper,
                         SubmoduleOptimWrapperConstructor)
from .runner import MMSSLRunner

__all__ = [
    'AutocastOptimWrapper', 'EMATeacherHook', 'MMSSLRunner', 'ProgressBarHook',
    'SavePredictionsHook', 'SubmoduleOptimWrapperConstructor',
    'decode_after_safe_loading',
    'encode_for_safe_loading'
]
