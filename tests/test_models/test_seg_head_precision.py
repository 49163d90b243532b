import torch

from mmssl.registry import MODELS


def test_losses_are_float32_under_low_precision_logits():
    head = MODELS.build(dict(type='SegHead', in_channels=4, num_classes=2))
    torch.manual_seed(0)
    logits = torch.randn(2, 2, 24, 24, 16)
    target = (torch.rand(2, 24, 24, 16) > 0.7).long()
    exact = head.loss(logits, target)
    low = head.loss(logits.bfloat16(), target)
    for name in exact:
        assert low[name].dtype == torch.float32
        # Only the bf16 rounding of the logits remains (about 3 digits);
        # bf16 sums over the volume would be off in the second digit.
        torch.testing.assert_close(low[name], exact[name], atol=2e-3,
                                   rtol=0)
