"""Checkpoints written by MMSSLRunner load with the safe loader and resume."""
import numpy as np
import torch
import torch.nn as nn
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from mmssl.engine import (MMSSLRunner, decode_after_safe_loading,
                          encode_for_safe_loading)


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        return dict(loss=out.pow(2).mean())


class _ToyDataset(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return dict(inputs=torch.full((2, ), float(index)))


def _runner(work_dir, max_iters, resume=False):
    return MMSSLRunner(
        model=_ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_ToyDataset(),
            sampler=dict(type='InfiniteSampler', seed=0),
            batch_size=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=False)),
        randomness=dict(seed=0),
        resume=resume)


def test_encode_decode_round_trip():
    buffer = HistoryBuffer()
    for value in (1.0, 2.5, 4.0):
        buffer.update(value)
    state = dict(
        scalars={'train/loss': buffer},
        info=dict(step=np.int64(3), ratio=np.float32(0.5),
                  table=np.arange(4), names=('a', 'b')))
    encoded = encode_for_safe_loading(state)
    assert not isinstance(encoded['scalars']['train/loss'], HistoryBuffer)
    assert type(encoded['info']['step']) is int
    decoded = decode_after_safe_loading(encoded)
    restored = decoded['scalars']['train/loss']
    assert isinstance(restored, HistoryBuffer)
    np.testing.assert_array_equal(restored.data[0], buffer.data[0])
    assert restored.mean() == buffer.mean()
    assert restored.current() == 4.0
    np.testing.assert_array_equal(decoded['info']['table'], np.arange(4))
    assert decoded['info']['names'] == ('a', 'b')


def test_checkpoint_loads_with_weights_only_and_resumes(tmp_path):
    _runner(tmp_path, 4).train()
    ckpt = tmp_path / 'iter_4.pth'
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(ckpt)) == []
    loaded = torch.load(ckpt, weights_only=True)
    assert loaded['meta']['iter'] == 4

    resumed = _runner(tmp_path, 6, resume=True)
    resumed.train()
    assert resumed.iter == 6
    loss_history = resumed.message_hub.get_scalar('train/loss')
    assert isinstance(loss_history, HistoryBuffer)
    # The 4 losses logged before the checkpoint came back with it.
    assert len(loss_history.data[0]) == 6


def test_resume_matches_uninterrupted_weights(tmp_path):
    straight = _runner(tmp_path / 'straight', 6)
    straight.train()
    _runner(tmp_path / 'split', 4).train()
    resumed = _runner(tmp_path / 'split', 6, resume=True)
    resumed.train()
    for a, b in zip(straight.model.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(a, b)
