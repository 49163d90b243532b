from .ema_teacher_hook import EMATeacherHook
from .progress_bar_hook import ProgressBarHook
from .save_predictions_hook import SavePredictionsHook, save_label_nifti

__all__ = [
    'EMATeacherHook', 'ProgressBarHook', 'SavePredictionsHook',
    'save_label_nifti'
]
