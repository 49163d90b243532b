from .two_stream_sampler import TwoStreamSampler

__all__ = ['TwoStreamSampler']
