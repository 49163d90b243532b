# la_heart_cpu.py for semi-supervised methods, as la_heart_semi.py: all 80
# training cases, the first `num_labeled` labeled, 2 labeled + 2 unlabeled
# per batch.
_base_ = ['./la_heart_cpu.py']
train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='TwoStreamSampler', batch_size=4,
        labeled_per_batch=2),
    dataset=dict(split='train'))
