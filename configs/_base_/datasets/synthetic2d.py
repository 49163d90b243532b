# Synthetic 2-D cardiac-like images (mmssl/datasets/synthetic2d.py),
# generated on first use under data_root: 64 training and 32 test images of
# 80 x 80 pixels in [0, 1], labels as ACDC (0 background, 1 RV, 2 Myo,
# 3 LV). Training on random 64 x 64 crops after a random rot90 + flip; the
# test runs on whole images, each image one case of the metric.
dataset_type = 'Synthetic2DDataset'
data_root = 'data/synthetic2d'
synthetic = dict(num_train=64, num_test=32, size=(80, 80), seed=0)
patch_size = (64, 64)
num_labeled = 64
num_classes = 4

train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='PackSegVolumeInputs'),
]
test_pipeline = [dict(type='PackSegVolumeInputs')]

# One loader worker: a 2-D batch takes about a millisecond to load, and a
# second worker would only compete with the model for the CPU.
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        synthetic=synthetic,
        split='train_labeled',
        num_labeled=num_labeled,
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        synthetic=synthetic,
        split='test',
        pipeline=test_pipeline))

# Dice, Jaccard, 95HD, ASD per foreground class (RV, Myo, LV) and their
# mean, per image; the LA configs' empty-prediction policy.
test_evaluator = dict(
    type='VolumeSegMetric',
    num_classes=num_classes,
    empty_pred='reference',
    largest_component=False)
val_dataloader = None
val_evaluator = None
