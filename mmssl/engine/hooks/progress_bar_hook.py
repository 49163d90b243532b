"""A progress bar over validation and test cases (rank 0 only)."""
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

from mmssl.registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Shows how many val/test batches are done, with the rate and ETA."""

    priority = 'VERY_LOW'

    def __init__(self, bar_width=40):
        self.bar_width = bar_width
        self._bar = None

    def _start(self, runner, dataloader):
        if runner.rank == 0:
            self._bar = ProgressBar(len(dataloader), bar_width=self.bar_width)

    def _advance(self, runner):
        if self._bar is not None:
            self._bar.update()

    def _finish(self, runner):
        if self._bar is not None:
            self._bar.file.write('\n')
            self._bar.file.flush()
            self._bar = None

    def before_test_epoch(self, runner):
        self._start(runner, runner.test_dataloader)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self._advance(runner)

    def after_test_epoch(self, runner, metrics=None):
        self._finish(runner)

    def before_val_epoch(self, runner):
        self._start(runner, runner.val_dataloader)

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None):
        self._advance(runner)

    def after_val_epoch(self, runner, metrics=None):
        self._finish(runner)
