# Labeled-only baseline on a NIfTI folder (data/nifti, see
# configs/_base_/datasets/nifti_folder.py): the narrow VNet on the first
# `num_labeled` training cases with a label, 600 iterations.
_base_ = [
    '../_base_/models/vnet_small.py', '../_base_/datasets/nifti_folder.py',
    '../_base_/schedules/sgd_600.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    dataset=dict(split='train_labeled'))
