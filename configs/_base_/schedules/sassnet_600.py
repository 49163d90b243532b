# sassnet_6k.py scaled to 600 iterations as sgd_600.py scales sgd_6k.py: the
# segmentation network's lr x0.1 at 250 and 500.
_base_ = ['./sassnet_6k.py']
max_iters = 600
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(
    student=[
        dict(type='MultiStepLR', by_epoch=False, milestones=[250, 500],
             gamma=0.1)
    ])
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=max_iters))
