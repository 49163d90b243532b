# SSL4MIS's 2-D (ACDC) schedule: SGD lr 0.01, momentum 0.9, weight decay
# 1e-4, poly decay lr = 0.01 (1 - t / 30000)^0.9, 30000 iterations, seed
# 1337 (default_runtime.py). Validation every 200 iterations; the checkpoint
# with the best mean validation Dice is kept as best_dice_iter_*.pth, the one
# SSL4MIS tests. The config binds val_dataloader / val_evaluator (ACDC:
# datasets/acdc.py's acdc_val_dataloader / acdc_val_evaluator).
_base_ = ['./sgd_6k.py']
max_iters = 30000
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=200)
val_cfg = dict(_delete_=True, type='ValLoop')
default_hooks = dict(
    checkpoint=dict(interval=3000, max_keep_ckpts=1, save_best='dice',
                    rule='greater'))
