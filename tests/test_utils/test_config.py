import os.path as osp

import pytest
from mmengine.config import Config

from mmssl.utils import enable_autocast, load_config, set_data_root

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _cfg():
    dataset = dict(type='LAHeartDataset', data_root='data/LA', split='test')
    return Config(
        dict(
            data_root='data/LA',
            train_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(type='LAHeartDataset', data_root='data/LA'),
                        dict(type='LAHeartDataset', data_root='data/LA')
                    ])),
            val_dataloader=dict(dataset=dataset),
            test_dataloader=dict(dataset=dict(dataset)),
            optim_wrapper=dict(type='OptimWrapper',
                               optimizer=dict(type='SGD', lr=0.01))))


def test_set_data_root_reaches_nested_datasets():
    cfg = _cfg()
    assert set_data_root(cfg, '/elsewhere') == 4
    assert all(d.data_root == '/elsewhere'
               for d in cfg.train_dataloader.dataset.datasets)
    assert cfg.val_dataloader.dataset.data_root == '/elsewhere'
    assert cfg.test_dataloader.dataset.data_root == '/elsewhere'


def test_set_data_root_without_datasets_fails():
    with pytest.raises(ValueError, match='data_root'):
        set_data_root(Config(dict(train_dataloader=dict(dataset=dict()))),
                      '/x')


def test_enable_autocast_picks_wrapper_by_device():
    cfg = _cfg()
    enable_autocast(cfg, cuda_available=False)
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    cfg = _cfg()
    enable_autocast(cfg, cuda_available=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


def test_enable_autocast_converts_every_wrapper_of_a_two_optimizer_config():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/sassnet/sassnet_vnet_la_16label.py'))
    enable_autocast(cfg, cuda_available=False)
    assert cfg.optim_wrapper.constructor == 'SubmoduleOptimWrapperConstructor'
    for name in ('student', 'discriminator'):
        assert cfg.optim_wrapper[name].type == 'AutocastOptimWrapper'


def test_load_config_missing_file():
    with pytest.raises(FileNotFoundError, match='nope.py'):
        load_config('configs/nope.py')
