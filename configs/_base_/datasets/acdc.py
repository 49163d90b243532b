# ACDC cardiac cine MRI in the SSL4MIS h5 layout (see docs/datasets.md):
#   data/ACDC/data/slices/<patient>_frameXX_slice_K.h5   training slices
#   data/ACDC/data/<patient>_frameXX.h5                  val / test volumes
#   data/ACDC/{train_slices,train,val,test}.list
# Point elsewhere with `--data-root DIR` on the command line.
# Supervised baseline as SSL4MIS's train_fully_supervised_2D.py: the slices
# of the first `labeled_patients` patients only, batches of 24 slices zoomed
# to 256 x 256. Test: every slice of the 40 test volumes resized to
# 256 x 256, segmented, probabilities resized back; Dice, Jaccard, 95HD and
# ASD per class (RV, Myo, LV) on each volume, in voxels, then averaged.
dataset_type = 'ACDCDataset'
data_root = 'data/ACDC'
num_classes = 4
slice_size = (256, 256)
# 3 patients = 68 slices, 7 patients = 136 slices (SSL4MIS 5 % / 10 %).
labeled_patients = 7

# SSL4MIS's RandomGenerator: rot90 + flip with p 0.5, else a rotation by
# randint(-20, 20) degrees with p 0.5 (0.25 overall), else nothing; then a
# nearest-neighbour zoom of image and label to 256 x 256.
# (One Compose so that acdc_semi_sdf.py can reuse it before its SDF step.)
slice_augmentation = dict(
    type='Compose',
    transforms=[
        dict(
            type='RandomChoice',
            transforms=[[dict(type='RandomRotFlip')],
                        [dict(type='RandomRotate', angle_range=(-20, 20),
                              order=0)], []],
            prob=[0.5, 0.25, 0.25]),
        dict(type='ResizeTo', size=slice_size, order=0),
    ])
train_pipeline = [slice_augmentation, dict(type='PackSegVolumeInputs')]
test_pipeline = [dict(type='PackSegVolumeInputs')]

train_dataloader = dict(
    batch_size=24,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train_labeled',
        labeled_patients=labeled_patients,
        num_classes=num_classes,
        pipeline=train_pipeline))
# Volumes differ in size: one per batch.
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        num_classes=num_classes,
        pipeline=test_pipeline))
# Class names come from the dataset (ACDCDataset.METAINFO), so the metric
# reports dice_RV, dice_Myo, dice_LV, ... and `dice` = their mean.
test_evaluator = dict(
    type='VolumeSegMetric',
    num_classes=num_classes,
    empty_pred='reference',
    largest_component=False)

# The model of an ACDC config segments test volumes slice by slice; use
# `test_cfg={{_base_.slice_test_cfg}}` in its VolumeSegmentor.
slice_test_cfg = dict(
    mode='slice', slice_size=slice_size, slice_axis=0, batch_slices=16)

# SSL4MIS validates on val.list every 200 iterations and tests the best
# checkpoint. Its schedule, schedules/ssl4mis_30k.py, sets val_cfg and the
# interval; a config then binds
#   val_dataloader = {{_base_.acdc_val_dataloader}}
#   val_evaluator = {{_base_.acdc_val_evaluator}}
# (left undefined here, not None, so that other schedules without
# validation still combine with this file).
acdc_val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        num_classes=num_classes,
        pipeline=test_pipeline))
# Dice and 95HD as SSL4MIS validates.
acdc_val_evaluator = dict(
    type='VolumeSegMetric',
    num_classes=num_classes,
    metric_names=['dice', 'hd95'])
