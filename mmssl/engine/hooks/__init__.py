from .progress_bar_hook import ProgressBarHook
from .save_predictions_hook import SavePredictionsHook, save_label_nifti

__all__ = ['ProgressBarHook', 'SavePredictionsHook', 'save_label_nifti']
