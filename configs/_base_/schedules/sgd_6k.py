# The shared LA protocol of UA-MT, SASSNet and DTC: SGD lr 0.01, momentum
# 0.9, weight decay 1e-4, lr x0.1 every 2500 iterations, 6000 iterations.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[2500, 5000],
         gamma=0.1)
]
# The papers test the last iteration; val_cfg is used only by configs that
# also set val_dataloader and val_evaluator. The loop seeds every iteration
# from (seed, rank, iteration), so `--resume` continues exactly.
train_cfg = dict(
    type='ResumableIterBasedTrainLoop', max_iters=6000, val_interval=6000)
val_cfg = None
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=1000,
        max_keep_ckpts=3, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Stop on a NaN/inf loss before anything of that iteration is saved.
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # Same BatchNorm statistics (student and teacher) on every rank.
    sync_buffers=dict(type='BufferSyncHook'),
)
