# sassnet_6k.py halved as sgd_3k.py halves sgd_6k.py: the segmentation
# network's lr x0.1 at 1250 and 2500, the discriminator's Adam constant.
_base_ = ['./sassnet_6k.py']
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(
    student=[
        dict(type='MultiStepLR', by_epoch=False, milestones=[1250, 2500],
             gamma=0.1)
    ])
default_hooks = dict(checkpoint=dict(interval=500))
