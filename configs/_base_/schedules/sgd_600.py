# The 6000-iteration protocol scaled to 600 iterations for CPU runs: same
# optimizer, lr x0.1 at the same fractions of the run (250 and 500).
_base_ = ['./sgd_6k.py']
max_iters = 600
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[250, 500],
         gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=max_iters))
