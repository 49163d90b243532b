from .ema_teacher_hook import EMATeacherHook
from .fast_training_hook import ChannelsLastHook, CompileHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .progress_bar_hook import ProgressBarHook
from .save_overlays_hook import SaveOverlaysHook
from .save_predictions_hook import SavePredictionsHook, save_label_nifti
from .sync_buffers_hook import BufferSyncHook, average_buffers_across_ranks

__all__ = [
    'BufferSyncHook', 'ChannelsLastHook', 'CompileHook', 'EMATeacherHook',
    'NonFiniteLossError', 'NonFiniteLossHook', 'ProgressBarHook',
    'SaveOverlaysHook', 'SavePredictionsHook', 'average_buffers_across_ranks',
    'save_label_nifti'
]
