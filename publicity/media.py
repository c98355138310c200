"""Serving stored videos with HTTP range requests, without tying up a web worker.

Browsers fetch a video in pieces (``Range: bytes=…``) to start playing at once and to seek.
Three ways to answer, the first that applies:

- ``settings.MEDIA_ACCEL_REDIRECT`` set (e.g. "/protected-media/"): an empty response with
  ``X-Accel-Redirect``, so nginx sends the file and its ranges itself, from an ``internal``
  location aliasing the private media directory. The worker is free at once.
- storage without local paths (S3 and the like): a redirect to ``storage.url(name)``, a
  signed, expiring URL; the object store answers ranges.
- otherwise (the embedded default): the file streamed from disk in chunks, one range at
  most (several ranges are answered with the whole file, as RFC 9110 allows).
"""

import os
import re
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.cache import patch_vary_headers

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=\s*(\d*)\s*-\s*(\d*)\s*$")


def _local_path(field_file) -> str | None:
    try:
        return field_file.path
    except (NotImplementedError, AttributeError):
        return None


class _FileRange:
    """The bytes start..start+length of an open file, in chunks; closes the file when the
    response is closed, even if it was never read (the client went away)."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self):
        self.handle.seek(self.start)
        remaining = self.length
        while remaining > 0:
            data = self.handle.read(min(CHUNK_SIZE, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data

    def close(self):
        self.handle.close()


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """The (first, last) byte positions asked for by a single-range header.

    None: no usable Range (absent, malformed or several ranges): send the whole file.
    False: a well-formed range that the file cannot satisfy (416).
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last != "" else size - 1
    if last != "" and end < start:
        return None  # invalid: ignored
    if start >= size:
        return False
    return start, min(end, size - 1)


def ranged_file_response(request, field_file, content_type: str):
    """The stored file as an HTTP response that honours a single Range (206 / 416)."""
    if not field_file:
        raise Http404
    name = field_file.name
    accel = getattr(settings, "MEDIA_ACCEL_REDIRECT", "")
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
        # nginx answers the range; never keep this empty body in the public page cache.
        patch_vary_headers(response, ["Cookie"])
        return response

    path = _local_path(field_file)
    if path is None:
        return HttpResponseRedirect(field_file.storage.url(name))

    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed with the response)
    except FileNotFoundError as exc:
        raise Http404 from exc
    size = os.fstat(handle.fileno()).st_size
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if wanted is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = wanted, 206
    length = max(0, end - start + 1)
    response = StreamingHttpResponse(
        _FileRange(handle, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
