"""Buurtbeeld: a privacy-safe picture of a municipality's social domain per buurt."""

__version__ = "0.1.0"
__all__ = ["__version__"]
