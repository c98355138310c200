"""Streamed ZIPs of a team's and an area's certificates: contents, names, scope, and that
the archive is produced while it is read (memory stays flat)."""

import hashlib
import io
import os
import tempfile
import tracemalloc
import zipfile

from django.urls import reverse

import pytest

from lms.models import Certificate, CertificateStatus
from lms.services.certificates import certificate_revoke
from lms.zipstream import ZipEntry, zip_name, zip_stream
from tests.factories import MemberFactory

from .conftest import PLACEHOLDER_PDF, fake_pdf

pytestmark = pytest.mark.django_db


def pdf_bytes(label: str, size: int = 0) -> bytes:
    """A distinct placeholder PDF of roughly `size` bytes."""
    body = PLACEHOLDER_PDF + f"% {label}\n".encode()
    return body + os.urandom(max(size - len(body), 0))


@pytest.fixture(autouse=True)
def _remove_stored_pdfs():
    """The private storage is shared by the test run: leave no files behind."""
    yield
    for certificate in Certificate.objects.exclude(pdf=""):
        certificate.pdf.delete(save=False)


def read_zip(response) -> dict[str, bytes]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {info.filename: archive.read(info) for info in archive.infolist()}


# -- the writer -------------------------------------------------------------------------------


class SpyFile(io.BytesIO):
    opened = 0

    def __init__(self, data):
        super().__init__(data)
        type(self).opened += 1


def test_zip_stream_yields_while_reading_and_keeps_every_byte():
    SpyFile.opened = 0
    files = {f"队伍/GX-{n:03d}-张三.pdf": os.urandom(40_000 + n) for n in range(30)}
    entries = [ZipEntry(name, lambda data=data: SpyFile(data)) for name, data in files.items()]
    stream = zip_stream(entries)
    first = next(stream)
    # Output began after a few files, long before the last one was opened.
    assert first.startswith(b"PK\x03\x04")
    assert 0 < SpyFile.opened < 5
    chunks = [first, *stream]
    assert SpyFile.opened == 30 and len(chunks) > 10
    assert max(len(c) for c in chunks) < 200 * 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.namelist() == list(files)
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.flag_bits & 0x800  # UTF-8 names
        assert archive.read(info) == files[info.filename]


def test_zip_stream_leaves_out_missing_files():
    def missing():
        raise FileNotFoundError

    entries = [ZipEntry("a.pdf", lambda: io.BytesIO(b"a")), ZipEntry("b.pdf", missing)]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zip_stream(entries))))
    assert archive.namelist() == ["a.pdf"]


def test_zip_stream_of_nothing_is_an_empty_archive():
    assert zipfile.ZipFile(io.BytesIO(b"".join(zip_stream([])))).namelist() == []


def test_zip_names_cannot_escape_their_folder():
    assert zip_name("../队/伍", "..\\x.pdf") == "_队_伍/_x.pdf"
    assert zip_name("", "a:b*.pdf") == "_/a_b_.pdf"


# -- a team's and an area's ZIP -------------------------------------------------------------


@pytest.fixture
def certificates(world, issue):
    """Qingxiu: the member's (stored), the leader's revoked (stored), a third without a PDF,
    and a superseded one; Liuzhou: one stored."""
    member = fake_pdf(issue(world["member"]), pdf_bytes("member"))
    leader = fake_pdf(issue(world["leader"]), pdf_bytes("leader"))
    certificate_revoke(certificate=leader, by=world["qingxiu_admin"], reason="资料不实")
    pending = issue(MemberFactory(team=world["qingxiu_team"], name="韦新人"))
    old = fake_pdf(issue(MemberFactory(team=world["qingxiu_team"], name="覃老队员")))
    old_owner = old.member
    new = fake_pdf(issue(old_owner, reissue=True), pdf_bytes("new"))
    other = fake_pdf(issue(world["other"]), pdf_bytes("other"))
    old.refresh_from_db()
    assert old.status == CertificateStatus.SUPERSEDED
    return {
        "member": member,
        "leader": leader,
        "pending": pending,
        "old": old,
        "new": new,
        "other": other,
    }


def stored(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def test_team_zip_holds_the_valid_stored_pdfs(client, world, certificates):
    client.force_login(world["leader_user"])
    files = read_zip(
        client.get(reverse("learn:team_certificates_zip", args=[world["qingxiu_team"].pk]))
    )
    member, new = certificates["member"], certificates["new"]
    assert files == {
        f"{member.serial}-陆队员.pdf": stored(member),
        f"{new.serial}-覃老队员.pdf": stored(new),
    }
    assert files[f"{member.serial}-陆队员.pdf"].startswith(b"%PDF")


def test_team_zip_with_every_status(client, world, certificates):
    client.force_login(world["qingxiu_admin"])
    url = reverse("learn:team_certificates_zip", args=[world["qingxiu_team"].pk])
    files = read_zip(client.get(url + "?status=all"))
    expected = [certificates[k] for k in ("member", "leader", "old", "new")]
    assert sorted(files) == sorted(f"{c.serial}-{c.holder_name}.pdf" for c in expected)
    assert all(files[f"{c.serial}-{c.holder_name}.pdf"] == stored(c) for c in expected)


def test_area_zip_puts_each_team_in_a_folder(client, world, certificates):
    client.force_login(world["qingxiu_admin"])
    response = client.get(
        reverse("learn:area_certificates_zip", args=[world["areas"]["qingxiu"].pk])
    )
    assert "filename*=utf-8''" in response["Content-Disposition"]
    files = read_zip(response)
    team = world["qingxiu_team"].name
    member, new = certificates["member"], certificates["new"]
    assert files == {
        f"{team}/{member.serial}-陆队员.pdf": stored(member),
        f"{team}/{new.serial}-覃老队员.pdf": stored(new),
    }


def test_region_zip_covers_both_counties(client, world, certificates, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.cn", "x")
    client.force_login(admin)
    files = read_zip(
        client.get(reverse("learn:area_certificates_zip", args=[world["areas"]["region"].pk]))
    )
    assert f"{world['liuzhou_team'].name}/{certificates['other'].serial}-柳州队员.pdf" in files
    assert len(files) == 3


def test_zips_are_404_outside_the_scope(client, world, certificates):
    team_zip = reverse("learn:team_certificates_zip", args=[world["qingxiu_team"].pk])
    area_zip = reverse("learn:area_certificates_zip", args=[world["areas"]["qingxiu"].pk])
    for who in ("member_user", "liuzhou_admin"):
        client.force_login(world[who])
        assert client.get(team_zip).status_code == 404
        assert client.get(area_zip).status_code == 404
    client.force_login(world["leader_user"])
    assert client.get(area_zip).status_code == 404  # a leader has a team, not an area
    client.logout()
    response = client.get(team_zip)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_memory_stays_flat_while_300_files_stream(client, world, issue):
    """300 files of 64 KiB (19 MiB) stream with a peak far below their total size
    (about 1 MiB measured: one query chunk of rows, the read buffer, the directory)."""
    size = 64 * 1024
    expected = {}
    for n in range(300):
        member = MemberFactory(team=world["qingxiu_team"], name=f"队员{n:03d}")
        certificate = fake_pdf(issue(member), pdf_bytes(str(n), size))
        expected[f"{certificate.serial}-{certificate.holder_name}.pdf"] = certificate.pdf_sha256
    total = size * len(expected)
    client.force_login(world["leader_user"])
    url = reverse("learn:team_certificates_zip", args=[world["qingxiu_team"].pk])

    with tempfile.TemporaryFile() as spool:
        tracemalloc.start()
        try:
            response = client.get(url)
            chunks = 0
            for chunk in response.streaming_content:
                spool.write(chunk)
                chunks += 1
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        spool.seek(0)
        archive = zipfile.ZipFile(spool)
        found = {
            info.filename: hashlib.sha256(archive.read(info)).hexdigest()
            for info in archive.infolist()
        }

    assert found == expected
    assert chunks > 100  # produced piece by piece, not built and then sent
    assert peak < total / 6, f"peak {peak} bytes for {total} bytes of files"
