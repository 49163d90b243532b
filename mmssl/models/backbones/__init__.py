from .unet2d import UNet2D
from .vnet import VNet

__all__ = ['VNet', 'UNet2D']
