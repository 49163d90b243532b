"""Published test figures beside which a suite's leaderboard puts ours.

Dice and Jaccard in percent, 95HD and ASD in voxels, on the 20 test cases
of LA with the protocol of docs/benchmarks.md (last iteration for the
UA-MT / SASSNet / DTC rows). Keyed ``'<dataset>/<method>'``, then by the
labeled budget as the suites name it. Transcribed from the table of
shared/PROTOCOLS.md, which gathers them from the papers cited in
``SOURCES``.
"""

METRIC_KEYS = ('dice', 'jaccard', 'hd95', 'asd')


def _row(dice, jaccard, hd95, asd):
    return dict(dice=dice, jaccard=jaccard, hd95=hd95, asd=asd)


PUBLISHED = {
    'LA/vnet': {
        '16': _row(86.03, 76.06, 14.26, 3.51),
        '8': _row(79.99, 68.12, 21.11, 5.48),
        '80': _row(91.14, 83.82, 5.75, 1.52),
    },
    'LA/uamt': {
        '16': _row(88.88, 80.21, 7.32, 2.26),
        '8': _row(84.25, 73.48, 13.84, 3.36),
    },
    'LA/sassnet': {
        '16': _row(89.54, 81.24, 8.24, 2.20),
        '8': _row(87.32, 77.72, 9.62, 2.55),
    },
    'LA/dtc': {
        '16': _row(89.42, 80.98, 7.32, 2.10),
        '8': _row(87.51, 78.17, 8.23, 2.36),
    },
    'LA/mcnet_plus': {
        '16': _row(91.07, 83.67, 5.84, 1.67),
        '8': _row(88.96, 80.25, 7.93, 1.86),
    },
    'LA/bcp': {
        '8': _row(89.62, 81.31, 6.81, 1.76),
    },
    'LA/admt': {
        '8': _row(90.58, 82.86, 6.46, 1.58),
    },
}

SOURCES = {
    'LA/vnet': 'V-Net baseline as reported by Luo et al., Semi-supervised '
    'Medical Image Segmentation through Dual-task Consistency, AAAI 2021, '
    'Table 1',
    'LA/uamt': 'Yu et al., Uncertainty-aware Self-ensembling Model for '
    'Semi-supervised 3D Left Atrium Segmentation, MICCAI 2019; as reported '
    'by Luo et al., AAAI 2021, Table 1',
    'LA/sassnet': 'Li et al., Shape-aware Semi-supervised 3D Semantic '
    'Segmentation for Medical Images, MICCAI 2020; as reported by Luo et '
    'al., AAAI 2021, Table 1',
    'LA/dtc': 'Luo et al., Semi-supervised Medical Image Segmentation '
    'through Dual-task Consistency, AAAI 2021, Table 1',
    'LA/mcnet_plus': 'Wu et al., Mutual Consistency Learning for '
    'Semi-supervised Medical Image Segmentation, MedIA 2022',
    'LA/bcp': 'Bai et al., Bidirectional Copy-Paste for Semi-Supervised '
    'Medical Image Segmentation, CVPR 2023',
    'LA/admt': 'Zhao et al., Alternate Diverse Teaching for Semi-supervised '
    'Medical Image Segmentation, ECCV 2024',
}


def published_figures(key):
    """``{budget: {'dice': ..., ...}}`` of a ``PUBLISHED`` key."""
    if key not in PUBLISHED:
        raise KeyError(f'no published figures under {key!r}; known: '
                       f'{sorted(PUBLISHED)}')
    return PUBLISHED[key]
