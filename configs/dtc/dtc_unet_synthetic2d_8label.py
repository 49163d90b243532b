# 2-D twin of dtc_vnet_synthetic_2label.py: SSL4MIS's UNet with a softmax
# head and three SDF maps (RV, Myo, LV) on the synthetic 2-D data, 8 of 64
# images labeled, no teacher; the dual-task consistency (k = 1500, weight
# 1.0 on the ramp, epoch = 15 iterations) on all four images; tested with
# largest-component filtering of each class, as the 3-D twin.
_base_ = [
    '../_base_/models/unet2d_sdf.py',
    '../_base_/datasets/synthetic2d_semi_sdf.py',
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
