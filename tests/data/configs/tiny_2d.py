# Seconds-long settings for a synthetic 2-D config (any method; the tests
# swap in the method config as _base_): 6 training images (2 labeled) and
# one test image of 64 x 64, 3 iterations, no loader workers.
_base_ = ['../../../configs/mean_teacher/mt_unet_synthetic2d_8label.py']
synthetic = dict(num_train=6, num_test=1, size=(64, 64), seed=0)
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic=synthetic, num_labeled=2))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic=synthetic))
train_cfg = dict(max_iters=3)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=3, max_keep_ckpts=1))
