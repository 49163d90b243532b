# DTC on ACDC (SSL4MIS ships no 2-D DTC script; this is the 2-D form of
# dtc_vnet_la_16label.py, as dtc_unet_synthetic2d_8label.py): SSL4MIS's UNet
# with a softmax head (0.5 * (CE + Dice)) and three tanh SDF maps (RV, Myo,
# LV; 0.3 * MSE on the labeled slices), no teacher, the dual-task
# consistency (k = 1500) on all 24 slices with weight 1.0 on the sigmoid
# ramp over 200 epochs of 150 iterations; 7 of 70 patients labeled, 12 + 12
# slices per batch, SSL4MIS's schedule; tested with largest-component
# filtering of each class as DTC tests.
_base_ = [
    '../_base_/models/unet2d_sdf.py', '../_base_/datasets/acdc_semi_sdf.py',
    '../_base_/schedules/ssl4mis_30k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    test_cfg={{_base_.slice_test_cfg}},
    unsup_terms=[
        dict(
            type='DualTaskConsistency',
            name='dual_task',
            sdf_head='sdf',
            level_set=dict(type='LevelSet', k=1500),
            weight=1.0,
            schedule=dict(type='SigmoidRampUp', length=200, step_size=150))
    ])
val_dataloader = {{_base_.acdc_val_dataloader}}
val_evaluator = {{_base_.acdc_val_evaluator}}
test_evaluator = dict(largest_component=True)
