# The papers' LA protocol (shared/PROTOCOLS.md, docs/benchmarks.md): VNet,
# 16 or 8 of the 80 training cases labeled, 6000 iterations, the last
# iteration tested on the 20 test cases; largest-component filtering as
# each paper (DTC on, SASSNet off); published figures beside ours. Meant
# for a GPU (about 20 hours per run on a 2-core CPU). The papers report one
# run with seed 1337; three seeds show the spread:
#   python tools/benchmark.py configs/benchmarks/la.py --seeds 1337
seeds = [1337, 0, 1]
budgets = [16, 8, 80]
selection = 'last'
methods = [
    dict(name='vnet', label='VNet, labeled only', published='LA/vnet',
         configs={16: 'configs/supervised/vnet_la_16label.py',
                  8: 'configs/supervised/vnet_la_8label.py',
                  80: 'configs/supervised/vnet_la_80label.py'}),
    dict(name='mt', label='Mean Teacher',
         configs={16: 'configs/mean_teacher/mt_vnet_la_16label.py',
                  8: 'configs/mean_teacher/mt_vnet_la_8label.py'}),
    dict(name='uamt', label='UA-MT', published='LA/uamt',
         configs={16: 'configs/uamt/uamt_vnet_la_16label.py',
                  8: 'configs/uamt/uamt_vnet_la_8label.py'}),
    dict(name='sassnet', label='SASSNet', published='LA/sassnet',
         configs={16: 'configs/sassnet/sassnet_vnet_la_16label.py',
                  8: 'configs/sassnet/sassnet_vnet_la_8label.py'}),
    dict(name='dtc', label='DTC', published='LA/dtc',
         configs={16: 'configs/dtc/dtc_vnet_la_16label.py',
                  8: 'configs/dtc/dtc_vnet_la_8label.py'}),
]
