# SASSNet on ACDC (SSL4MIS ships no 2-D SASSNet script; the 2-D form of
# sassnet_vnet_la_16label.py, as sassnet_unet_synthetic2d_8label.py):
# SSL4MIS's UNet with a softmax head and three tanh SDF maps, SASSNet's
# discriminator in 2-D (4x4 stride-2 convs, 64 to 512 channels) on the maps
# and the image, generator weight 0.01 here and 0.015 with 3 patients (the
# order of SASSNet's LA pair, 16 / 8 labels; ACDC has no published value) on
# the sigmoid ramp over 200 epochs of 150 iterations, Adam 1e-4 for the
# discriminator; 7 of 70 patients labeled, 12 + 12 slices per batch,
# SSL4MIS's schedule for the network; no largest-component filtering.
_base_ = [
    '../_base_/models/unet2d_sdf.py', '../_base_/datasets/acdc_semi_sdf.py',
    '../_base_/schedules/ssl4mis_30k_adversarial.py',
    '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='AdversarialSemiSegmentor',
    segmentor={{_base_.model}},
    test_cfg={{_base_.slice_test_cfg}},
    discriminator=dict(
        type='ShapeDiscriminator',
        map_channels=3,
        image_channels=1,
        base_channels=64,
        dropout_ratio=0.5,
        ndim=2),
    discriminator_input='sdf',
    unsup_terms=[
        dict(
            type='AdversarialShapeTerm',
            name='adversarial',
            map_head='sdf',
            weight=0.01,
            schedule=dict(type='SigmoidRampUp', length=200, step_size=150))
    ])
val_dataloader = {{_base_.acdc_val_dataloader}}
val_evaluator = {{_base_.acdc_val_evaluator}}
