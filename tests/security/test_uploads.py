"""Upload checks on every file field (issue 10, item 1), through the pages people use.

Each upload path refuses a renamed executable or web page with an allowed extension, and a
file over its limit, with a reason shown on the page, and stores nothing: no row, and no
file left in the storage directory (counted before and after). A good file is accepted.

The paths: team documents and insurance policies (Wagtail admin, a team leader), drill
photos (the leader's drill page), the roster and question-bank imports (the file's type;
their content checks are tests/security/test_spreadsheets.py), a team's public photo
(publicity), Wagtail images and documents (the admin's add pages). Contest videos are
checked in tests/publicity/contest/test_contest_entry_submit.py.
"""

# The shared fixtures `world` and `sections` are imported, so test arguments "redefine" them.
# ruff: noqa: F811

import datetime
import io
import os
import struct
import zipfile
import zlib

from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from wagtail.documents import get_document_model
from wagtail.images import get_image_model

import pytest
from PIL import Image

import lms.uploads
from lms.checks import check_private_storage
from lms.models import DrillPhoto, InsurancePolicy, Member, TeamDocument
from publicity.models import TeamPage
from tests.factories import UserFactory
from tests.lms.conftest import world  # noqa: F401  (the two-county world, shared)
from tests.lms.drills.conftest import new_drill
from tests.publicity.conftest import sections  # noqa: F401

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
MISMATCH = "内容与扩展名不符"
NOT_XLSX = "请上传 Excel 2007 及以上版本的 .xlsx 文件"


# -- files --------------------------------------------------------------------------------


def png_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes(size: int = 400) -> bytes:
    return (b"%PDF-1.4\n" + b"%" * size)[:size] + b"\n%%EOF\n"


def docx_bytes(*, main_part: str = "word/document.xml", macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00vba")
    return buffer.getvalue()


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
WEB_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def truncated_png() -> bytes:
    """Starts like a PNG (Wagtail and a first-bytes check accept it) but cannot be decoded."""
    return png_bytes((200, 200))[:90]


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares itself `width` × `height`: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def files_in(folder) -> list[str]:
    found = []
    for dirpath, _dirs, names in os.walk(folder):
        found.extend(os.path.join(dirpath, name) for name in names)
    return sorted(found)


@pytest.fixture
def private_dir(tmp_path, monkeypatch):
    """The team files' storage, a fresh directory for each test so stored files can be
    counted."""
    folder = tmp_path / "private"
    storage = FileSystemStorage(location=folder, base_url=None)
    for model, field in (
        (TeamDocument, "file"),
        (InsurancePolicy, "document"),
        (DrillPhoto, "image"),
    ):
        monkeypatch.setattr(model._meta.get_field(field), "storage", storage)
    return folder


@pytest.fixture
def media_dir(tmp_path, settings):
    """Wagtail's images and documents go to MEDIA_ROOT: a fresh one for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def page_text(response) -> str:
    return response.content.decode()


# -- team documents (Wagtail admin, the team's leader) --------------------------------------


def post_document(client, world, file):
    return client.post(
        reverse("lms_document:add"),
        {
            "team": world["qingxiu_team"].pk,
            "kind": "charter",
            "title": "组织章程",
            "file": file,
            "effective_on": "2026-01-01",
        },
    )


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("章程.pdf", EXECUTABLE, MISMATCH),
        ("章程.pdf", WEB_PAGE, MISMATCH),
        ("章程.docx", WEB_PAGE, MISMATCH),
        ("章程.docx", docx_bytes(main_part="xl/workbook.xml"), MISMATCH),
        ("章程.docx", docx_bytes(macros=True), "含有宏"),
        ("章程.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, MISMATCH),
        ("章程.jpg", WEB_PAGE, "不是有效的图片"),
        ("章程.png", truncated_png(), "不是有效的图片"),
        ("章程.html", WEB_PAGE, "只能上传 PDF、DOCX、DOC、JPG、JPEG、PNG、WEBP 格式的文件"),
        ("章程.exe", EXECUTABLE, "所选文件是 .exe"),
    ],
)
def test_a_team_document_that_is_not_what_it_says_is_refused(
    client, world, private_dir, name, data, reason
):
    client.force_login(world["leader_user"])
    response = post_document(client, world, upload(name, data))
    assert response.status_code == 200
    assert reason in page_text(response)
    assert not TeamDocument.objects.exists()
    assert files_in(private_dir) == []


def test_a_team_document_over_the_limit_is_refused_naming_it(
    client, world, private_dir, monkeypatch
):
    monkeypatch.setattr(lms.uploads, "DOCUMENT_MAX_MB", 1)
    client.force_login(world["leader_user"])
    response = post_document(client, world, upload("章程.pdf", pdf_bytes(MB + 1)))
    assert response.status_code == 200
    assert "文件过大" in page_text(response) and "上限为 1 MB" in page_text(response)
    assert not TeamDocument.objects.exists()
    assert files_in(private_dir) == []


@pytest.mark.parametrize(
    "name, data",
    [("章程.pdf", pdf_bytes()), ("章程.docx", docx_bytes()), ("章程照片.JPG", jpeg_bytes())],
)
def test_a_genuine_team_document_is_stored(client, world, private_dir, name, data):
    client.force_login(world["leader_user"])
    response = post_document(client, world, upload(name, data))
    assert response.status_code == 302
    document = TeamDocument.objects.get()
    assert len(files_in(private_dir)) == 1
    download = client.get(reverse("team_document_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == data


# -- insurance policies (Wagtail admin) ---------------------------------------------------


def post_policy(client, world, file):
    return client.post(
        reverse("lms_policy:add"),
        {
            "team": world["qingxiu_team"].pk,
            "insurer": "中国人寿",
            "policy_number": "P-2026-001",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "document": file,
        },
    )


def test_a_renamed_web_page_as_a_policy_is_refused_and_nothing_stored(client, world, private_dir):
    client.force_login(world["leader_user"])
    response = post_policy(client, world, upload("保单.pdf", WEB_PAGE, "application/pdf"))
    assert response.status_code == 200
    assert MISMATCH in page_text(response)
    assert not InsurancePolicy.objects.exists()
    assert files_in(private_dir) == []
    response = post_policy(client, world, upload("保单.docx", docx_bytes()))
    assert "只能上传 PDF、JPG、JPEG、PNG、WEBP 格式的文件" in page_text(response)
    assert not InsurancePolicy.objects.exists()


def test_a_policy_over_the_limit_is_refused_and_a_genuine_one_stored(
    client, world, private_dir, monkeypatch
):
    monkeypatch.setattr(lms.uploads, "DOCUMENT_MAX_MB", 1)
    client.force_login(world["leader_user"])
    response = post_policy(client, world, upload("保单.pdf", pdf_bytes(MB + 1)))
    assert "上限为 1 MB" in page_text(response)
    assert not InsurancePolicy.objects.exists() and files_in(private_dir) == []
    response = post_policy(client, world, upload("保单.pdf", pdf_bytes()))
    assert response.status_code == 302
    policy = InsurancePolicy.objects.get()
    assert policy.ends_on == datetime.date(2026, 12, 31)
    assert len(files_in(private_dir)) == 1
    download = client.get(reverse("policy_document_download", args=[policy.pk]))
    assert b"".join(download.streaming_content) == pdf_bytes()


# -- drill photos (the leader's drill page) -----------------------------------------------


@pytest.fixture
def drill(world):
    return new_drill(world["leader_user"], world["qingxiu_team"])


def post_photo(client, drill, file):
    return client.post(
        reverse("learn:drill_photo_add", args=[drill.pk]),
        {"image": file, "caption": "集合点名"},
        follow=True,
    )


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("现场.jpg", EXECUTABLE, "不是有效的图片"),
        ("现场.png", WEB_PAGE, "不是有效的图片"),
        ("现场.png", truncated_png(), "不是有效的图片"),
        ("现场.png", jpeg_bytes(), "不是有效的图片"),
        ("现场.gif", WEB_PAGE, "只能上传 JPG、JPEG、PNG、WEBP 格式的文件"),
        ("现场.png", png_header_only(20_000, 20_000), "图片尺寸过大"),
    ],
)
def test_a_drill_photo_that_is_not_an_image_is_refused(
    client, world, drill, private_dir, name, data, reason
):
    client.force_login(world["leader_user"])
    response = post_photo(client, drill, upload(name, data, "image/png"))
    assert response.status_code == 200
    assert reason in page_text(response)
    assert not DrillPhoto.objects.exists()
    assert files_in(private_dir) == []


def test_a_drill_photo_over_the_pixel_or_size_limit_is_refused_naming_it(
    client, world, drill, private_dir, settings, monkeypatch
):
    client.force_login(world["leader_user"])
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    response = post_photo(client, drill, upload("现场.png", png_bytes((40, 30))))
    assert "图片尺寸过大（40×30 像素），上限为 0.1 万像素" in page_text(response)
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000
    monkeypatch.setattr(lms.uploads, "PHOTO_MAX_MB", 1)
    big = png_bytes((40, 30)) + b"\x00" * MB
    response = post_photo(client, drill, upload("现场.png", big))
    assert "上限为 1 MB" in page_text(response)
    assert not DrillPhoto.objects.exists()
    assert files_in(private_dir) == []


def test_a_genuine_drill_photo_is_stored(client, world, drill, private_dir):
    client.force_login(world["leader_user"])
    response = post_photo(client, drill, upload("现场.jpg", jpeg_bytes(), "image/jpeg"))
    assert "照片已上传" in page_text(response)
    photo = DrillPhoto.objects.get()
    assert photo.image.name.endswith(".jpg")
    assert len(files_in(private_dir)) == 1


# -- spreadsheet imports: the file's type (their content: test_spreadsheets.py) -----------


def test_the_roster_import_refuses_a_file_that_is_not_an_xlsx(client, world):
    client.force_login(world["qingxiu_admin"])
    before = Member.objects.count()
    for name, data in (
        ("花名册.xlsx", EXECUTABLE),
        ("花名册.xlsx", WEB_PAGE),
        ("花名册.csv", "姓名,手机号\n张三,13800138000\n".encode()),
    ):
        response = client.post(
            reverse("lms_roster:import"),
            {"team": world["qingxiu_team"].pk, "file": upload(name, data), "dry_run": "on"},
        )
        assert response.status_code == 200
        assert NOT_XLSX in page_text(response), name
    assert Member.objects.count() == before


def test_the_question_bank_import_refuses_a_file_that_is_not_an_xlsx(client):
    client.force_login(UserFactory(username="editor", is_superuser=True))
    response = client.post(
        reverse("wagtailsnippets_courses_question:import"),
        {"file": upload("题库.xlsx", WEB_PAGE)},
    )
    assert response.status_code == 200
    assert NOT_XLSX in page_text(response)


# -- a team's public photo (publicity, the leader) ----------------------------------------


def test_a_team_photo_that_cannot_be_decoded_is_refused(client, sections, world, media_dir):
    client.force_login(world["leader_user"])
    response = client.post(
        reverse("publicity:team_page", args=[world["qingxiu_team"].pk]),
        {
            "introduction": "新竹社区应急响应队成立于2021年，擅长防汛转移和应急救护。",
            "photo": upload("photo.png", truncated_png(), "image/png"),
            "action": "draft",
        },
    )
    assert response.status_code == 200
    assert "图片无法使用" in page_text(response)
    assert not TeamPage.objects.exists()
    assert not get_image_model().objects.exists()
    assert files_in(media_dir) == []


# -- Wagtail images and documents (the admin's add pages) ---------------------------------


@pytest.fixture
def editor(client, site_tree):
    client.force_login(UserFactory(username="editor", is_superuser=True))


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("图.png", WEB_PAGE, None),  # Wagtail's own check: not an image at all
        ("图.png", jpeg_bytes(), None),  # Wagtail's own check: the extension lies
        ("图.png", truncated_png(), "不是有效的图片"),
        ("图.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        ("图.png", png_header_only(20_000, 20_000), None),
    ],
)
def test_a_wagtail_image_that_is_not_what_it_says_is_refused(
    client, editor, media_dir, name, data, reason
):
    response = client.post(
        reverse("wagtailimages:add"), {"title": "图", "file": upload(name, data, "image/png")}
    )
    assert response.status_code == 200
    html = page_text(response)
    assert 'class="error-message"' in html or "error-message" in html
    if reason:
        assert reason in html
    assert not get_image_model().objects.exists()
    assert files_in(media_dir) == []


def test_a_genuine_wagtail_image_is_stored(client, editor, media_dir):
    response = client.post(
        reverse("wagtailimages:add"), {"title": "图", "file": upload("图.png", png_bytes())}
    )
    assert response.status_code == 302
    assert get_image_model().objects.count() == 1
    assert len(files_in(media_dir)) == 1


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("指南.pdf", WEB_PAGE, MISMATCH),
        ("指南.pdf", EXECUTABLE, MISMATCH),
        ("指南.docx", pdf_bytes(), MISMATCH),
        ("指南.mp4", WEB_PAGE, MISMATCH),
        ("指南.txt", WEB_PAGE, MISMATCH),
        ("指南.csv", EXECUTABLE, MISMATCH),
        ("指南.html", WEB_PAGE, None),  # not an allowed extension (Wagtail's message)
        ("指南.zip", docx_bytes(), None),
    ],
)
def test_a_wagtail_document_whose_content_does_not_match_is_refused(
    client, editor, media_dir, name, data, reason
):
    response = client.post(
        reverse("wagtaildocs:add"), {"title": "指南", "file": upload(name, data)}
    )
    assert response.status_code == 200
    html = page_text(response)
    assert "error-message" in html
    if reason:
        assert reason in html
    assert not get_document_model().objects.exists()
    assert files_in(media_dir) == []


def test_a_wagtail_document_over_the_limit_is_refused(client, editor, media_dir, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1000
    response = client.post(
        reverse("wagtaildocs:add"), {"title": "指南", "file": upload("指南.pdf", pdf_bytes(2000))}
    )
    assert response.status_code == 200
    assert "error-message" in page_text(response)
    assert not get_document_model().objects.exists()
    assert files_in(media_dir) == []


@pytest.mark.parametrize(
    "name, data",
    [
        ("指南.pdf", pdf_bytes()),
        ("指南.docx", docx_bytes()),
        ("名单.csv", "姓名,电话\n张三,123\n".encode("gb18030")),
    ],
)
def test_a_genuine_wagtail_document_is_stored(client, editor, media_dir, name, data):
    response = client.post(
        reverse("wagtaildocs:add"), {"title": "指南", "file": upload(name, data)}
    )
    assert response.status_code == 302
    assert get_document_model().objects.count() == 1
    assert len(files_in(media_dir)) == 1


@pytest.mark.parametrize(
    "url, name, data, reason",
    [
        ("wagtailimages:add_multiple", "图.png", truncated_png(), "不是有效的图片"),
        ("wagtaildocs:add_multiple", "指南.pdf", WEB_PAGE, MISMATCH),
    ],
)
def test_the_multiple_uploader_runs_the_same_checks(
    client, editor, media_dir, url, name, data, reason
):
    response = client.post(
        reverse(url),
        {"files[]": upload(name, data)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert reason in response.json()["error_message"]
    assert not get_image_model().objects.exists()
    assert not get_document_model().objects.exists()
    assert files_in(media_dir) == []


# -- where private files live --------------------------------------------------------------


def test_the_suites_private_storage_passes_the_check():
    assert check_private_storage() == []


def test_private_storage_inside_media_root_fails_the_system_check(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path / "media" / "private", "base_url": None},
            },
        }
    ):
        errors = check_private_storage()
    assert [error.id for error in errors] == ["lms.E102"]
    assert "MEDIA_ROOT" in errors[0].msg
