# The labeled-only baseline under the reduced LA protocol for CPUs
# (la_heart_cpu.py: half resolution, 56 x 56 x 40 patches, metrics on the
# original grid): VNet with 8 base filters, 3000 iterations, 16 labeled.
_base_ = [
    '../_base_/models/vnet_small.py', '../_base_/datasets/la_heart_cpu.py',
    '../_base_/schedules/sgd_3k.py', '../_base_/default_runtime.py'
]
model = dict(test_cfg={{_base_.cpu_test_cfg}})
train_dataloader = dict(dataset=dict(num_labeled=16))
