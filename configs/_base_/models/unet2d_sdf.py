# unet2d.py with DTC's signed-distance head for the 4-class 2-D task: one
# tanh map per foreground class (RV, Myo, LV; GenerateSDF(num_classes=4)),
# regressed on the labeled images with 0.3 * MSE. The segmentation head keeps
# its softmax and 0.5 * (CE + Dice) (DTC's one-channel sigmoid + Dice has no
# 4-class form); DualTaskConsistency compares the level set of each map with
# the softmax channel of its class.
_base_ = ['./unet2d.py']
model = dict(
    heads=dict(
        sdf=dict(
            type='SDFHead',
            in_channels=16,
            num_classes=3,
            ndim=2,
            losses=[dict(type='SDFRegressionLoss', loss_weight=0.3)])))
