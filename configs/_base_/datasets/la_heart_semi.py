# LA for semi-supervised methods: all 80 training cases, the first
# `num_labeled` of train.list labeled, batches of 2 labeled + 2 unlabeled.
_base_ = ['./la_heart.py']
train_dataloader = dict(
    batch_size=4,
    sampler=dict(
        _delete_=True, type='TwoStreamSampler', batch_size=4,
        labeled_per_batch=2),
    dataset=dict(split='train', num_labeled=16))
