# The synthetic 2-D benchmark (docs/benchmarks.md) as a suite: SSL4MIS's UNet
# with each method on the synthetic cardiac-like images, 8 of 64 training
# images labeled, the configs' 600 iterations, last iteration tested, three
# training seeds (the data are the same, seed 0). Sized for a 2-core CPU:
#   python tools/benchmark.py configs/benchmarks/synthetic2d.py \
#       --jobs 2 --threads 1
# DTC runs twice: with its largest-component test and without, so that the
# leaderboard shows what the switch is worth.
seeds = [0, 1, 2]
budgets = [8]
budget_option = 'train_dataloader.dataset.num_labeled'
selection = 'last'
methods = [
    dict(name='unet', label='UNet, labeled only',
         config='configs/supervised/unet_synthetic2d_8label.py'),
    dict(name='mt', label='Mean Teacher',
         config='configs/mean_teacher/mt_unet_synthetic2d_8label.py'),
    dict(name='uamt', label='UA-MT',
         config='configs/uamt/uamt_unet_synthetic2d_8label.py'),
    dict(name='sassnet', label='SASSNet',
         config='configs/sassnet/sassnet_unet_synthetic2d_8label.py'),
    dict(name='dtc', label='DTC',
         config='configs/dtc/dtc_unet_synthetic2d_8label.py'),
    dict(name='dtc_nolcc', label='DTC, no largest component',
         config='configs/dtc/dtc_unet_synthetic2d_8label.py',
         cfg_options={'test_evaluator.largest_component': False}),
]
