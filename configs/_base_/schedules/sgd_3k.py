# The 6000-iteration protocol halved for the reduced LA protocol: same
# optimizer, lr x0.1 at the same fractions of the run (1250 and 2500).
# Configs halve the consistency ramp's epoch to 75 iterations so that the
# weight still reaches its value at the last iteration.
_base_ = ['./sgd_6k.py']
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[1250, 2500],
         gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=500))
