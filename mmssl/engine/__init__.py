from .checkpoint import (CheckpointError, decode_after_safe_loading,
                         encode_for_safe_loading, read_checkpoint_safely)
from .hooks import (BufferSyncHook, EMATeacherHook, NonFiniteLossError,
                    NonFiniteLossHook, ProgressBarHook, SavePredictionsHook)
from .loops import ResumableIterBasedTrainLoop, seed_iteration
from .optimizers import (AutocastOptimWrapper,
                         SubmoduleOptimWrapperConstructor)
from .runner import MMSSLRunner

__all__ = [
    'AutocastOptimWrapper', 'BufferSyncHook', 'CheckpointError',
    'EMATeacherHook', 'MMSSLRunner', 'NonFiniteLossError',
    'NonFiniteLossHook', 'ProgressBarHook', 'ResumableIterBasedTrainLoop',
    'SavePredictionsHook', 'SubmoduleOptimWrapperConstructor',
    'decode_after_safe_loading', 'encode_for_safe_loading',
    'read_checkpoint_safely', 'seed_iteration'
]
