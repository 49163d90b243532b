from .autocast_optim_wrapper import AutocastOptimWrapper
from .submodule_constructor import SubmoduleOptimWrapperConstructor

__all__ = ['AutocastOptimWrapper', 'SubmoduleOptimWrapperConstructor']
