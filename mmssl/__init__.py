"""mmssl: semi-supervised medical image segmentation on MMEngine."""
from .utils.mmcv_compat import patch_mmcv_ops
from .version import __version__

# Must run before anything imports mmseg.
patch_mmcv_ops()

__all__ = ['__version__']
