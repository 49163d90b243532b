# VNet trained on the first 16 cases of train.list only (labeled-only
# baseline of UA-MT / SASSNet / DTC: 86.03 Dice).
_base_ = [
    '../_base_/models/vnet.py', '../_base_/datasets/la_heart.py',
    '../_base_/schedules/sgd_6k.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(dataset=dict(num_labeled=16))
