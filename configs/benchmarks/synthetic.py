# The synthetic 3-D benchmark (docs/benchmarks.md): VNet with 8 base filters
# on the synthetic LA-like volumes, 2 of 16 training cases labeled, the
# configs' 600 iterations, last iteration tested, seeds 0, 1, 2. About 0.35
# to 1.0 s per iteration on 2 CPU cores: roughly 1.5 hours in all.
seeds = [0, 1, 2]
budgets = [2]
budget_option = 'train_dataloader.dataset.num_labeled'
selection = 'last'
methods = [
    dict(name='vnet', label='VNet, labeled only',
         config='configs/supervised/vnet_synthetic_2label.py'),
    dict(name='mt', label='Mean Teacher',
         config='configs/mean_teacher/mt_vnet_synthetic_2label.py'),
    dict(name='uamt', label='UA-MT',
         config='configs/uamt/uamt_vnet_synthetic_2label.py'),
    dict(name='sassnet', label='SASSNet',
         config='configs/sassnet/sassnet_vnet_synthetic_2label.py'),
    dict(name='dtc', label='DTC',
         config='configs/dtc/dtc_vnet_synthetic_2label.py'),
]
