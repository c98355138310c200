"""The one error type the courses services raise: a message a person can read."""


class CourseError(Exception):
    """A rule about courses refused the change; nothing was written.

    `message` is for people (Chinese first); `field` names the input at fault, if one is.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return self.message
