from .discriminator import ShapeDiscriminator
from .sdf_head import SDFHead, stack_gt_sdf
from .seg_head import SegHead, stack_gt_labels

__all__ = [
    'SDFHead', 'SegHead', 'ShapeDiscriminator', 'stack_gt_labels',
    'stack_gt_sdf'
]
