from .seg_head import SegHead, stack_gt_labels

__all__ = ['SegHead', 'stack_gt_labels']
