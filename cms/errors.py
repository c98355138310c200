"""The one error type the services raise: a message a person can read, and which field."""


class DomainError(Exception):
    """A rule of the domain refused the change; nothing was written.

    `message` is for people (Chinese first); `field` names the input at fault, if one is;
    `errors` holds several such messages when a whole batch was checked (e.g. an import).
    """

    def __init__(self, message: str, *, field: str | None = None, errors: list | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or []

    def __str__(self):
        return self.message
