from cms.errors import DomainError

__all__ = ["DomainError"]
