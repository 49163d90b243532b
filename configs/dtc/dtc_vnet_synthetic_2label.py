# Synthetic twin of dtc_vnet_la_16label.py for CPUs: 2 of 16 synthetic cases
# labeled, the narrow VNet, 600 iterations; the consistency ramp is scaled
# with the run (epoch = 15 iterations, 40 epochs).
_base_ = [
    '../_base_/models/vnet_sdf_small.py',
    '../_base_/datasets/synthetic_semi_sdf.py',
    '../_base_/schedules/sgd_600.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    unsup_terms=[
        dict(
            type='DualTaskConsistency',
            name='dual_task',
            sdf_head='sdf',
            level_set=dict(type='LevelSet', k=1500),
            weight=1.0,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15))
    ])
test_evaluator = dict(largest_component=True)
