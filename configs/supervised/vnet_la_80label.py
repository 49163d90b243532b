# VNet trained on all 80 training cases (upper bound: 91.14 Dice published).
_base_ = [
    '../_base_/models/vnet.py', '../_base_/datasets/la_heart.py',
    '../_base_/schedules/sgd_6k.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(dataset=dict(split='train', num_labeled=None))
