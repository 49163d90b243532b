# Synthetic LA-like volumes, generated on first use under data_root in the
# same h5 layout as the real LA data (so LAHeartDataset's code reads them).
# 16 training and 8 test cases of about 72-96 x 72-96 x 40-48 voxels.
_base_ = ['./la_heart.py']

dataset_type = 'SyntheticLAHeartDataset'
data_root = 'data/synthetic_la'
synthetic = dict(num_train=16, num_test=8, seed=0)
patch_size = (64, 64, 32)
num_labeled = 16

train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        synthetic=synthetic,
        num_labeled=num_labeled,
        pipeline=train_pipeline))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, synthetic=synthetic))
