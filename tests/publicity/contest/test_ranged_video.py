"""Serving videos: byte ranges from the app, nginx's X-Accel-Redirect, or the storage's URL."""

from django.core.files.storage import Storage
from django.test import Client, RequestFactory

import pytest

from publicity.media import parse_range, ranged_file_response

from .conftest import make_entry, mp4_bytes

SIZE = 200_000  # several chunks


@pytest.fixture
def video(contest):
    data = mp4_bytes(SIZE)
    entry = make_entry(contest, video=data)
    return {"url": f"/contest/shorts/entries/{entry.pk}/video/", "data": data, "entry": entry}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_without_a_range_the_whole_file_is_sent_and_ranges_are_offered(video):
    response = Client().get(video["url"])
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/mp4"
    assert _body(response) == video["data"]


def test_a_range_gets_206_with_those_bytes(video):
    response = Client().get(video["url"], headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{SIZE}"
    assert response["Content-Length"] == "100"
    assert _body(response) == video["data"][100:200]


def test_an_open_ended_and_a_suffix_range(video):
    client = Client()
    tail = client.get(video["url"], headers={"Range": f"bytes={SIZE - 70_000}-"})
    assert tail.status_code == 206
    assert tail["Content-Range"] == f"bytes {SIZE - 70_000}-{SIZE - 1}/{SIZE}"
    assert _body(tail) == video["data"][-70_000:]

    last = client.get(video["url"], headers={"Range": "bytes=-10"})
    assert last.status_code == 206
    assert last["Content-Range"] == f"bytes {SIZE - 10}-{SIZE - 1}/{SIZE}"
    assert _body(last) == video["data"][-10:]

    # A range running past the end stops at the last byte.
    over = client.get(video["url"], headers={"Range": f"bytes={SIZE - 5}-{SIZE + 100}"})
    assert over["Content-Range"] == f"bytes {SIZE - 5}-{SIZE - 1}/{SIZE}"
    assert _body(over) == video["data"][-5:]


def test_an_unsatisfiable_range_gets_416(video):
    response = Client().get(video["url"], headers={"Range": f"bytes={SIZE}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


def test_several_ranges_or_nonsense_get_the_whole_file(video):
    client = Client()
    assert client.get(video["url"], headers={"Range": "bytes=0-1,5-6"}).status_code == 200
    assert client.get(video["url"], headers={"Range": "lines=1-2"}).status_code == 200
    assert client.get(video["url"], headers={"Range": "bytes=9-3"}).status_code == 200


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-0", (0, 0)),
        ("bytes=0-", (0, 99)),
        ("bytes=-100", (0, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=-0", False),
        ("bytes=100-", False),
        ("bytes=50-1000", (50, 99)),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


def test_with_x_accel_redirect_nginx_sends_the_file(video, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = Client().get(video["url"], headers={"Range": "bytes=0-99"})
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{video['entry'].video.name}"
    assert response["Content-Type"] == "video/mp4"
    assert response.content == b""
    # Not kept in the public page cache (nginx must see each request).
    assert Client().get(video["url"]).get("X-Page-Cache") != "hit"


class _RemoteStorage(Storage):
    """A storage like S3: files have URLs, not local paths."""

    def path(self, name):
        raise NotImplementedError

    def url(self, name):
        return f"https://oss.example.cn/private/{name}?signature=abc"

    def exists(self, name):
        return True


def test_a_storage_with_urls_gets_a_redirect(video):
    field_file = video["entry"].video
    field_file.storage = _RemoteStorage()
    request = RequestFactory().get("/", headers={"Range": "bytes=0-1"})
    response = ranged_file_response(request, field_file, "video/mp4")
    assert response.status_code == 302
    assert response["Location"] == f"https://oss.example.cn/private/{field_file.name}?signature=abc"
