# ACDC for semi-supervised methods, as SSL4MIS's 2-D semi-supervised
# scripts: all 1312 training slices, those of the first `labeled_patients`
# patients labeled, batches of 12 labeled + 12 unlabeled slices.
_base_ = ['./acdc.py']
train_dataloader = dict(
    batch_size=24,
    sampler=dict(
        _delete_=True, type='TwoStreamSampler', batch_size=24,
        labeled_per_batch=12),
    dataset=dict(split='train'))
