# VNet of DTC and SASSNet: the reference VNet with two 1-channel heads, a
# sigmoid segmentation head trained with Dice (the BCE of the released
# scripts is computed but not used) and a tanh SDF head trained with
# 0.3 * MSE against the normalised signed distance (GenerateSDF).
_base_ = ['./vnet_softmax_sdf.py']
model = dict(
    heads=dict(
        seg=dict(num_classes=1, losses=[dict(type='DiceLoss',
                                             loss_weight=1.0)])))
