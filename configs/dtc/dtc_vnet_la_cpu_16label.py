# dtc_vnet_la_16label.py under the reduced LA protocol for CPUs (half
# resolution, VNet with 8 base filters, 3000 iterations; the consistency
# ramp's epoch halved to 75 iterations). The protocol the issue tracker
# measured with the released DTC code (docs/benchmarks.md).
_base_ = [
    '../_base_/models/vnet_sdf_small.py',
    '../_base_/datasets/la_heart_cpu_semi_sdf.py',
    '../_base_/schedules/sgd_3k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    test_cfg={{_base_.cpu_test_cfg}},
    unsup_terms=[
        dict(
            type='DualTaskConsistency',
            name='dual_task',
            sdf_head='sdf',
            level_set=dict(type='LevelSet', k=1500),
            weight=1.0,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=75))
    ])
test_evaluator = dict(largest_component=True)
train_dataloader = dict(dataset=dict(num_labeled=16))
