# tiny_semi.py (Mean Teacher) without randomness in the model and with
# losses that are means over voxels, so a step over a global batch split
# between ranks equals a step over the whole batch on one process: no
# normalisation layers, no dropout, no teacher noise, CE only.
_base_ = ['./tiny_semi.py']
model = dict(
    segmentor=dict(
        backbone=dict(norm='none', dropout_ratio=0.0),
        heads=dict(seg=dict(losses=[dict(type='CrossEntropyLoss')]))),
    teacher=dict(mode='eval'),
    teacher_input_noise=None)
synthetic = dict(
    num_train=6, num_test=3, shape_range=((36, 40), (36, 40), (20, 24)),
    seed=0)
train_dataloader = dict(dataset=dict(synthetic=synthetic))
test_dataloader = dict(dataset=dict(synthetic=synthetic))
