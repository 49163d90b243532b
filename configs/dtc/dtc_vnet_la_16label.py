# DTC (Luo et al., AAAI 2021) on LA, 16 labeled cases: no teacher. The VNet
# has a sigmoid segmentation head and a tanh SDF head; labeled loss
# Dice + 0.3 * MSE(SDF); the dual-task consistency
# mean((sigmoid(-1500 * sdf) - sigmoid(seg))^2) on ALL four volumes, weight
# 1.0 on the consistency ramp. Tested with largest-component filtering.
_base_ = [
    '../_base_/models/vnet_sdf.py', '../_base_/datasets/la_heart_semi_sdf.py',
    '../_base_/schedules/sgd_6k.py', '../_base_/default_runtime.py'
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
            schedule=dict(type='SigmoidRampUp', length=40, step_size=150))
    ])
test_evaluator = dict(largest_component=True)
