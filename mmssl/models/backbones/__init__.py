from .vnet import VNet

__all__ = ['VNet']
