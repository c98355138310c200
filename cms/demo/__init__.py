from .seed import seed

__all__ = ["seed"]
