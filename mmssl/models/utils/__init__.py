from .sliding_window import (pad_amounts, sliding_window_inference,
                             window_starts)

__all__ = ['pad_amounts', 'sliding_window_inference', 'window_starts']
