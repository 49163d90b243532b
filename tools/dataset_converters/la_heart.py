"""Convert the raw 2018 Atrial Segmentation Challenge training set
(``<case>/lgemri.nrrd`` and ``<case>/laendo.nrrd``) to the UA-MT h5 layout
that ``LAHeartDataset`` reads.

    python tools/dataset_converters/la_heart.py RAW_ROOT OUT_ROOT
        [--seed 1337] [--num-test 20] [--train-list F --test-list F]
        [--cases CASE ...] [--overwrite]

The preprocessing is documented in ``mmssl.datasets.converters.la_heart``.
Exits with status 1 and a message naming the offending files on bad input.
"""
import argparse
import sys

from mmssl.datasets.converters.la_heart import LAConversionError, convert_la


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert raw LA NRRD cases to the UA-MT h5 layout')
    parser.add_argument('raw_root', help='folder of <case>/lgemri.nrrd and '
                        '<case>/laendo.nrrd')
    parser.add_argument('out_root', help='output data root (holds '
                        "'2018LA_Seg_Training Set', train.list, test.list)")
    parser.add_argument('--seed', type=int, default=1337,
                        help='seed of the crop margins and of the split')
    parser.add_argument('--num-test', type=int, default=20,
                        help='test cases of the seeded split (without '
                        'list files)')
    parser.add_argument('--train-list', help='train list to reuse (e.g. '
                        "UA-MT's train.list); needs --test-list")
    parser.add_argument('--test-list', help='test list to reuse; needs '
                        '--train-list')
    parser.add_argument('--cases', nargs='+', metavar='CASE',
                        help='convert only these cases')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing output cases and lists')
    args = parser.parse_args(argv)
    if (args.train_list is None) != (args.test_list is None):
        parser.error('--train-list and --test-list go together')
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        convert_la(args.raw_root, args.out_root, seed=args.seed,
                   num_test=args.num_test, train_list=args.train_list,
                   test_list=args.test_list, cases=args.cases,
                   overwrite=args.overwrite,
                   log=lambda line: print(line, flush=True))
    except (LAConversionError, OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
