"""The public top-ten pages."""
# Stub: filled in by the top-ten part.


def top_ten(request, page, *, year=None, code=None):
    raise NotImplementedError
