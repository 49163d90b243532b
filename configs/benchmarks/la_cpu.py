# The reduced LA protocol for CPUs (docs/benchmarks.md): the real LA data,
# splits and metrics (on the original grid) at half resolution, VNet with 8
# base filters, 3000 iterations, last iteration tested; 16 and 8 labels.
# About an hour per run or less on 2 cores. It shows that a method runs on
# real data and lands where a reference implementation lands under the same
# protocol; it cannot rank methods (docs/benchmarks.md says why).
#   python tools/benchmark.py configs/benchmarks/la_cpu.py --seeds 1337
# The reference figures: the released DTC code under this protocol (Dice
# only; reported in the project's issue tracker, issue 7).
_reference = 'released DTC code, reduced protocol (mmssl issue 7)'
seeds = [1337]
budgets = [16, 8]
selection = 'last'
methods = [
    dict(name='vnet', label='VNet-8, labeled only',
         published={16: dict(dice=86.5, source=_reference),
                    8: dict(dice=83.5, source=_reference)},
         configs={16: 'configs/supervised/vnet_la_cpu_16label.py',
                  8: 'configs/supervised/vnet_la_cpu_8label.py'}),
    dict(name='mt', label='Mean Teacher',
         configs={16: 'configs/mean_teacher/mt_vnet_la_cpu_16label.py',
                  8: 'configs/mean_teacher/mt_vnet_la_cpu_8label.py'}),
    dict(name='uamt', label='UA-MT',
         configs={16: 'configs/uamt/uamt_vnet_la_cpu_16label.py',
                  8: 'configs/uamt/uamt_vnet_la_cpu_8label.py'}),
    dict(name='sassnet', label='SASSNet',
         configs={16: 'configs/sassnet/sassnet_vnet_la_cpu_16label.py',
                  8: 'configs/sassnet/sassnet_vnet_la_cpu_8label.py'}),
    dict(name='dtc', label='DTC',
         published={16: dict(dice=86.5, source=_reference),
                    8: dict(dice=81.2, source=_reference)},
         configs={16: 'configs/dtc/dtc_vnet_la_cpu_16label.py',
                  8: 'configs/dtc/dtc_vnet_la_cpu_8label.py'}),
]
