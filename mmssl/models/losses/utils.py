"""Shared checks and activations for the segmentation losses."""
import torch
import torch.nn.functional as F


def check_logits_target(logits: torch.Tensor, target: torch.Tensor,
                        loss_name: str) -> torch.Tensor:
    """Validate (N, C, *spatial) logits against (N, *spatial) labels.

    A target with a singleton channel axis, (N, 1, *spatial), is accepted and
    squeezed. Returns the target as a long tensor.
    """
    if logits.dim() < 3:
        raise ValueError(f'{loss_name}: logits must be (N, C, *spatial), got '
                         f'shape {tuple(logits.shape)}')
    if target.dim() == logits.dim() and target.shape[1] == 1:
        target = target[:, 0]
    expected = (logits.shape[0], ) + tuple(logits.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(
            f'{loss_name}: target must be integer labels of shape '
            f'(N, *spatial) = {expected} to match logits of shape '
            f'{tuple(logits.shape)}, got {tuple(target.shape)}')
    if target.is_floating_point():
        raise TypeError(f'{loss_name}: target must hold integer labels, got '
                        f'dtype {target.dtype}')
    return target.long()


def logits_to_probs(logits: torch.Tensor) -> torch.Tensor:
    """Sigmoid for a single channel (binary), softmax over channels else."""
    if logits.shape[1] == 1:
        return torch.sigmoid(logits)
    return F.softmax(logits, dim=1)
