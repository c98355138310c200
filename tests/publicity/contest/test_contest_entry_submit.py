"""Submitting an entry: the file's type and size, the link's site, the contest's dates."""

import datetime
import re

from django.test import Client
from django.utils import timezone

import pytest

from publicity.errors import DomainError
from publicity.models import ContestEntry, EntryStatus
from publicity.services.contest import contest_entry_submit
from tests.factories import UserFactory

from .conftest import LINK, MEGABYTE, make_contest, mp4_bytes, stored_files, upload, webm_bytes

SUBMIT_URL = "/contest/shorts/submit/"


def _submit(contest, **fields):
    values = {
        "contest": contest,
        "user": None,
        "title": "三分钟学会心肺复苏",
        "description": "按压位置、深度和频率。",
        "author_name": "覃作者",
        "author_phone": "138 0771 0001",
        **fields,
    }
    return contest_entry_submit(**values)


def test_an_mp4_file_is_stored_under_a_random_name(contest, video_storage):
    entry = _submit(contest, video=upload("我的作品.MP4", mp4_bytes(4096)))

    assert entry.status == EntryStatus.PENDING
    assert entry.video_type == "video/mp4"
    assert entry.video_size == 4096
    assert entry.author_phone == "13807710001"
    assert re.fullmatch(rf"contest/{contest.pk}/[0-9a-f]{{32}}\.mp4", entry.video.name)
    assert video_storage.open(entry.video.name).read() == mp4_bytes(4096)


def test_webm_and_mov_files_are_accepted(contest):
    webm = _submit(contest, video=upload("clip.webm", webm_bytes(), "video/webm"))
    mov = _submit(contest, video=upload("clip.mov", mp4_bytes(), "video/quicktime"))
    assert (webm.video_type, mov.video_type) == ("video/webm", "video/quicktime")


def test_a_wrong_file_type_is_refused_with_the_reason_and_nothing_is_stored(contest, video_storage):
    with pytest.raises(DomainError) as refused:
        _submit(contest, video=upload("作品.avi", mp4_bytes(), "video/x-msvideo"))
    assert refused.value.field == "video"
    assert ".avi" in refused.value.message
    assert "MP4、WebM 或 MOV" in refused.value.message
    assert not ContestEntry.objects.exists()
    assert stored_files(video_storage) == []


def test_a_renamed_document_is_refused_by_its_first_bytes(contest, video_storage):
    fake = b"%PDF-1.7\n" + b"x" * 4000
    with pytest.raises(DomainError) as refused:
        _submit(contest, video=upload("作品.mp4", fake))
    assert "文件内容不是 MP4 视频" in refused.value.message
    # An MP4 dressed as WebM is refused too: the extension and the content must agree.
    with pytest.raises(DomainError):
        _submit(contest, video=upload("作品.webm", mp4_bytes(), "video/webm"))
    assert not ContestEntry.objects.exists()
    assert stored_files(video_storage) == []


def test_a_file_over_the_size_limit_is_refused_with_the_limit(sections, video_storage):
    contest = make_contest(sections["contest"], max_video_mb=1)
    with pytest.raises(DomainError) as refused:
        _submit(contest, video=upload("作品.mp4", mp4_bytes(MEGABYTE + 1024)))
    assert refused.value.field == "video"
    assert "视频文件过大" in refused.value.message
    assert "上限为 1 MB" in refused.value.message
    assert not ContestEntry.objects.exists()
    assert stored_files(video_storage) == []
    # Exactly at the limit is fine.
    assert _submit(contest, video=upload("作品.mp4", mp4_bytes(MEGABYTE))).video_size == MEGABYTE


def test_a_link_must_be_https_and_from_a_known_video_site(contest):
    assert _submit(contest, embed_url=LINK).embed_url == LINK
    assert _submit(contest, embed_url="https://m.v.qq.com/x/page/a0001.html").embed_url
    with pytest.raises(DomainError, match="https://"):
        _submit(contest, embed_url="http://www.bilibili.com/video/BV1xx411c7mD")
    with pytest.raises(DomainError, match="暂不支持该网站"):
        _submit(contest, embed_url="https://evil.example.com/bilibili.com/video")
    with pytest.raises(DomainError, match="暂不支持该网站"):
        _submit(contest, embed_url="https://notbilibili.com/video/1")


def test_a_video_or_a_link_is_required(contest):
    with pytest.raises(DomainError, match="请上传视频文件，或填写视频链接"):
        _submit(contest)


def test_entries_are_accepted_only_while_the_contest_is_open(sections):
    now = timezone.now()
    later = make_contest(
        sections["contest"],
        slug="later",
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    over = make_contest(
        sections["contest"],
        slug="over",
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now - datetime.timedelta(seconds=1),
    )
    with pytest.raises(DomainError, match="尚未开始"):
        _submit(later, embed_url=LINK)
    with pytest.raises(DomainError, match="已截止"):
        _submit(over, embed_url=LINK)


def test_the_phone_must_be_a_phone_number(contest):
    with pytest.raises(DomainError) as refused:
        _submit(contest, embed_url=LINK, author_phone="12345")
    assert refused.value.field == "author_phone"


# -- through the form ----------------------------------------------------------------------------


def _form(**fields):
    return {
        "title": "汛期应急包",
        "description": "演示家庭应急包。",
        "team_name": "",
        "embed_url": "",
        "author_name": "覃作者",
        "author_phone": "13807710001",
        **fields,
    }


def _csrf(response) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)[1].decode()


def test_a_second_visitor_can_submit_after_a_first_one_loaded_the_form(contest):
    """The form page is never cached: each visitor gets their own CSRF token."""
    first = Client(enforce_csrf_checks=True)
    assert first.get(SUBMIT_URL).status_code == 200
    second = Client(enforce_csrf_checks=True)
    page = second.get(SUBMIT_URL)
    assert page.get("X-Page-Cache") != "hit"
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]

    response = second.post(
        SUBMIT_URL,
        {**_form(), "csrfmiddlewaretoken": _csrf(page), "video": upload("a.mp4", mp4_bytes())},
    )

    assert response.status_code == 302
    assert ContestEntry.objects.get().title == "汛期应急包"
    shown = second.get(response["Location"])
    assert "已收到，审核通过后公开" in shown.content.decode()


def test_the_form_shows_why_a_file_was_refused_and_keeps_the_text(sections):
    make_contest(sections["contest"], max_video_mb=1)
    client = Client()
    too_big = client.post(
        SUBMIT_URL, {**_form(), "video": upload("big.mp4", mp4_bytes(MEGABYTE + 10))}
    )
    wrong = client.post(SUBMIT_URL, {**_form(), "video": upload("a.exe", b"MZ" + b"\x00" * 64)})

    assert too_big.status_code == 200
    assert "视频文件过大" in too_big.content.decode()
    assert "上限为 1 MB" in too_big.content.decode()
    assert "汛期应急包" in too_big.content.decode()  # what was typed is kept
    assert "不支持该视频文件格式（.exe）" in wrong.content.decode()
    assert not ContestEntry.objects.exists()


def test_the_form_finds_the_team_by_its_name(contest, world):
    team = world["qingxiu_team"]
    client = Client()
    client.post(SUBMIT_URL, _form(team_name=team.name, embed_url=LINK))
    unknown = client.post(SUBMIT_URL, _form(team_name="不存在的队伍", embed_url=LINK))

    assert ContestEntry.objects.get().team == team
    assert "未找到这支队伍" in unknown.content.decode()


def test_a_signed_in_person_is_recorded_as_the_submitter(contest):
    user = UserFactory(username="author")
    client = Client()
    client.force_login(user)
    client.post(SUBMIT_URL, _form(embed_url=LINK))
    assert ContestEntry.objects.get().submitted_by == user


def test_submissions_are_rate_limited_per_address(contest, settings, monkeypatch):
    monkeypatch.setattr("publicity.routes.contest.SUBMIT_RATE", (2, 3600))
    client = Client()
    for _n in range(2):
        assert client.post(SUBMIT_URL, _form(embed_url=LINK)).status_code == 302
    limited = client.post(SUBMIT_URL, _form(embed_url=LINK))
    assert limited.status_code == 429
    assert "提交过于频繁" in limited.content.decode()
    assert ContestEntry.objects.count() == 2


def test_a_closed_contest_shows_no_form(sections):
    now = timezone.now()
    make_contest(
        sections["contest"],
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now - datetime.timedelta(days=1),
    )
    client = Client()
    page = client.get(SUBMIT_URL).content.decode()
    assert "大赛已截止投稿" in page
    assert '<form method="post" enctype' not in page
    client.post(SUBMIT_URL, _form(embed_url=LINK))
    assert not ContestEntry.objects.exists()
