"""The services' error type lives in cms so that courses raises the same one."""

from cms.errors import DomainError

__all__ = ["DomainError"]
