"""Registers the publicity admin screens (each module registers its own hooks on import)."""

from .admin import contest_hooks, page_hooks, topten_hooks

__all__ = ["contest_hooks", "page_hooks", "topten_hooks"]
