"""A contest open now under the test site's /contest/, its people, and video files to upload."""

import datetime
import os

from django.contrib.auth.models import Group
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest

from cms.roles import REVIEWERS, roles_setup
from publicity.models import ContestCriterion, ContestEntry, ContestPage, EntryStatus
from publicity.roles import JUDGES, publicity_setup
from tests.factories import UserFactory

CRITERIA = [("主题立意", 30), ("知识准确", 30), ("创意表现", 20), ("制作水平", 20)]
MEGABYTE = 1024 * 1024
LINK = "https://www.bilibili.com/video/BV1xx411c7mD"


def mp4_bytes(size: int = 2048) -> bytes:
    """The start of an MP4 file (an ftyp box), padded to `size` bytes."""
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    body = bytes(range(256)) * (size // 256 + 1)
    return (head + body)[:size]


def webm_bytes(size: int = 2048) -> bytes:
    head = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"
    return head + b"\x00" * max(0, size - len(head))


def upload(name: str, data: bytes, content_type: str = "video/mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_contest(index, *, slug="shorts", **fields) -> ContestPage:
    now = timezone.now()
    values = {
        "title": "短视频公益广告大赛",
        "slug": slug,
        "intro": "用镜头讲应急。",
        "rules": [("paragraph", "<p>作品时长 1 至 3 分钟。</p>")],
        "opens_at": now - datetime.timedelta(days=30),
        "closes_at": now + datetime.timedelta(days=30),
        "max_video_mb": 5,
        **fields,
    }
    contest = ContestPage(
        **values,
        criteria=[
            ContestCriterion(name=name, weight=weight, sort_order=n)
            for n, (name, weight) in enumerate(CRITERIA)
        ],
    )
    index.add_child(instance=contest)
    contest.save_revision().publish()
    contest.refresh_from_db()
    return contest


def make_entry(contest, *, status=EntryStatus.APPROVED, title="应急包这样备", video=None, **fields):
    """An entry written straight to the database (the submission rules are the service's)."""
    defaults = {
        "description": "一步步演示家庭应急包。",
        "embed_url": "" if video else LINK,
        "author_name": "覃作者",
        "author_phone": "13807710001",
        "upload_token": f"{ContestEntry.objects.count() + 1:032d}",
    }
    entry = ContestEntry(contest=contest, title=title, status=status, **{**defaults, **fields})
    if video is not None:
        entry.video.save("video.mp4", upload("video.mp4", video), save=False)
        entry.video_type = "video/mp4"
        entry.video_size = len(video)
    entry.save()
    return entry


def stored_files(storage) -> list[str]:
    found = []
    for dirpath, _dirs, files in os.walk(storage.location):
        found.extend(os.path.join(dirpath, name) for name in files)
    return found


@pytest.fixture(autouse=True)
def video_storage(tmp_path, monkeypatch):
    """Uploaded videos go to a fresh directory for each test, so what is stored can be counted."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(ContestEntry._meta.get_field("video"), "storage", storage)
    return storage


@pytest.fixture
def contest(sections):
    return make_contest(sections["contest"])


@pytest.fixture
def people(sections):
    """A reviewer, two judges, two voters, a superuser."""
    roles_setup()
    publicity_setup()
    reviewers = Group.objects.get(name=REVIEWERS)
    judges = Group.objects.get(name=JUDGES)
    return {
        "reviewer": UserFactory(username="reviewer", groups=[reviewers]),
        "judge": UserFactory(username="judge", groups=[judges]),
        "judge2": UserFactory(username="judge2", groups=[judges]),
        "voter": UserFactory(username="voter"),
        "voter2": UserFactory(username="voter2"),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
    }
