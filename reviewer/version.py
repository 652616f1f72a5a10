"""Candor's version, in a module of its own so that any layer (the LLM engine's cache key) can read it without
importing the package's public face (`reviewer/__init__`, which imports the service and everything under it)."""

__version__ = "0.1.0"
