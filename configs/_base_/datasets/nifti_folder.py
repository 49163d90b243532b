# A NIfTI folder in the MSD / nnU-Net layout, for semi-supervised methods:
#   data/nifti/imagesTr/<case>.nii.gz   training images (C channels: 4-D
#                                       files or <case>_0000.nii.gz, ...)
#   data/nifti/labelsTr/<case>.nii.gz   labels of the cases that have one
#   data/nifti/imagesTs/<case>.nii.gz   test images
#   data/nifti/labelsTs/<case>.nii.gz   test labels (all needed for scoring)
# MSD ships imagesTs without labels: hold out imagesTr cases instead with
# test_dataloader.dataset: img_dir='imagesTr', ann_dir='labelsTr',
# test_list='test.txt' (and train_list or the same test_list for training).
# Batches of 2 labeled + 2 unlabeled; the first `num_labeled` training cases
# with a label are labeled, the rest (and images without a label) unlabeled.
# Images are z-scored per volume and channel. Point elsewhere with
# `--data-root DIR`.
dataset_type = 'NiftiDataset'
data_root = 'data/nifti'
patch_size = (64, 64, 32)
num_labeled = 4
# Must equal the model's backbone in_channels; checked against every image
# when the dataset is built.
num_channels = 1

train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='PackSegVolumeInputs'),
]
# 'affine' travels with each test case so that predictions can be written
# on the input's grid.
test_pipeline = [
    dict(
        type='PackSegVolumeInputs',
        meta_keys=('case_name', 'img_path', 'spacing', 'affine',
                   'ori_shape', 'img_shape', 'labeled')),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='TwoStreamSampler', batch_size=4, labeled_per_batch=2),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        img_dir='imagesTr',
        ann_dir='labelsTr',
        split='train',
        num_labeled=num_labeled,
        num_channels=num_channels,
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        img_dir='imagesTs',
        ann_dir='labelsTs',
        split='test',
        num_channels=num_channels,
        pipeline=test_pipeline))

# Distances in millimetres from the NIfTI voxel sizes. With no published
# protocol to match, an empty prediction scores hd95/asd NaN (left out of
# the means, counted in num_empty_pred) rather than the flattering 0.
test_evaluator = dict(
    type='VolumeSegMetric',
    num_classes=2,
    use_spacing=True,
    empty_pred='nan',
    largest_component=False)
val_dataloader = None
val_evaluator = None
