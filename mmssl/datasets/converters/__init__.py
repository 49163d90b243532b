"""Converters from published raw data to the layouts mmssl reads."""
