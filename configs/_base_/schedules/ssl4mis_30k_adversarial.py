# ssl4mis_30k.py with one optimizer per submodule for methods with a
# discriminator (SASSNet): the poly-decayed SGD for the segmentation network,
# SASSNet's Adam (lr 1e-4, betas (0.9, 0.99), constant) for the
# discriminator.
_base_ = ['./ssl4mis_30k.py']
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
        dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0,
             end={{_base_.max_iters}}, by_epoch=False)
    ],
    discriminator=[])
# Distributed training: both of the iteration's updates (network, then
# discriminator) run their forward through DDP (MMEngine's own wrapper
# would skip the model's two-optimizer train_step).
model_wrapper_cfg = dict(
    type='mmssl.StagewiseDistributedDataParallel', broadcast_buffers=False)
