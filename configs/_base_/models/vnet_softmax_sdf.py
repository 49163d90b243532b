# The reference VNet (2-class softmax head, 0.5 * (CE + Dice)) with DTC's
# signed-distance head next to it: tanh output regressed on the labeled
# cases' SDF with 0.3 * MSE. Used by the configs that add a shape task to a
# softmax method (configs/mix/).
_base_ = ['./vnet.py']
model = dict(
    heads=dict(
        sdf=dict(
            type='SDFHead',
            in_channels=16,
            num_classes=1,
            losses=[dict(type='SDFRegressionLoss', loss_weight=0.3)])))
