# The embedded default with the Dice term replaced by the user's Tversky loss.
#   PYTHONPATH=examples/custom_loss python tools/train.py \
#       examples/custom_loss/vnet_synthetic_tversky.py --test
_base_ = ['../../configs/supervised/vnet_synthetic.py']
custom_imports = dict(imports=['tversky_loss'], allow_failed_imports=False)
model = dict(
    heads=dict(
        seg=dict(losses=[
            dict(type='CrossEntropyLoss', loss_weight=0.5),
            dict(type='TverskyLoss', alpha=0.3, beta=0.7, loss_weight=0.5),
        ])))
