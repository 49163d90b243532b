# SASSNet's two optimizers: the shared LA protocol's SGD (lr 0.01, momentum
# 0.9, weight decay 1e-4, x0.1 every 2500 iterations) for the segmentation
# network and Adam (lr 1e-4, betas (0.9, 0.99), constant) for the
# discriminator; both states are saved in every checkpoint.
_base_ = ['./sgd_6k.py']
optim_wrapper = dict(
    _delete_=True,
    constructor='SubmoduleOptimWrapperConstructor',
    student=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)),
    discriminator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))
param_scheduler = dict(
    _delete_=True,
    student=[
        dict(type='MultiStepLR', by_epoch=False, milestones=[2500, 5000],
             gamma=0.1)
    ],
    discriminator=[])
# Distributed training: both of the iteration's updates (network, then
# discriminator) run their forward through DDP (MMEngine's own wrapper
# would skip the model's two-optimizer train_step).
model_wrapper_cfg = dict(
    type='mmssl.StagewiseDistributedDataParallel', broadcast_buffers=False)
