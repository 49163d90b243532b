"""Count non-finite weight gradients of a bf16-autocast Conv3d backward.

PyTorch's CPU bf16 convolution backward now and then returns NaN weight
gradients on very small feature maps; this script measures how often, per
map size, so that patch sizes for ``--amp`` can be chosen (results in
docs/getting_started.md).

    python tools/analysis_tools/bf16_conv3d_check.py --channels 64 \
        --sizes 2x2x1 2x2x2 4x4x2 --repeats 2000
"""
import argparse

import torch


def count_bad_passes(channels, size, repeats, device='cpu', seed=0):
    torch.manual_seed(seed)
    conv = torch.nn.Conv3d(channels, channels, 3, padding=1).to(device)
    bad = 0
    for _ in range(repeats):
        x = torch.randn(2, channels, *size, device=device,
                        requires_grad=True)
        with torch.autocast(device, dtype=torch.bfloat16):
            y = conv(x)
        conv.weight.grad = None
        y.backward(torch.randn_like(y))
        bad += int(not torch.isfinite(conv.weight.grad).all())
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--channels', type=int, default=64)
    parser.add_argument('--sizes', nargs='+',
                        default=['2x2x1', '2x2x2', '3x3x2', '4x4x2'])
    parser.add_argument('--repeats', type=int, default=2000)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {args.channels} channels, '
          f'{args.repeats} backward passes per size')
    for text in args.sizes:
        size = tuple(int(v) for v in text.split('x'))
        bad = count_bad_passes(args.channels, size, args.repeats,
                               args.device)
        print(f'{text}: {bad} passes with non-finite weight gradients')


if __name__ == '__main__':
    main()
