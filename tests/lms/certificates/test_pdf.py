"""The certificate PDF: what it says, its fonts, its QR code, and that it is stored once."""

import datetime
import hashlib
import io
import re
import warnings

from django.core.files.images import ImageFile

from wagtail.images import get_image_model

import pypdfium2
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from lms.models import Certificate, CertificateLayout, CertificateTemplate
from lms.services.certificate_pdf import (
    certificate_render,
    certificate_store,
    certificates_render,
    chinese_date,
    render_pdfs,
    verification_url,
    write_pdf,
)
from lms.services.certificates import certificate_job_create
from lms.tasks import certificate_render as certificate_render_task
from tests.factories import MemberFactory

from .conftest import complete


def stored(certificate: Certificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def text_of(data: bytes) -> str:
    """The PDF's text with all whitespace removed (layout may break or space it)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def base_fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def qr_codes(data: bytes, dpi: int = 170) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def page_size(data: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return float(box.width), float(box.height)


def png(color=(190, 20, 20, 230), size=(300, 300)) -> ImageFile:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((8, 8, size[0] - 8, size[1] - 8), outline=color, width=12)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ImageFile(buffer, name="seal.png")


def test_pdf_says_who_what_and_which_serial(world, issue, course):
    certificate = issue(world["member"], render=True)
    text = text_of(stored(certificate))
    assert "陆队员" in text
    assert "社区应急救护基础" in text
    assert certificate.serial in text
    assert "培训合格证书" in text  # letter-spaced, read back whole once spaces are removed
    assert "广西壮族自治区应急管理厅" in text
    assert "自治区应急管理厅培训中心主任韦明" in text
    assert "青秀区应急管理局局长黄立" in text
    assert chinese_date(certificate.issued_on) in text
    assert chinese_date(certificate.expires_on) in text
    assert "长期有效" not in text
    # The body's placeholders are filled from the snapshots.
    assert "{name}" not in text and "{course}" not in text
    hours = f"{course.credit_hours.normalize():f}学时"
    assert hours in text


def test_fonts_are_embedded_cjk_fonts(world, issue):
    data = stored(issue(world["member"], render=True))
    fonts = base_fonts(data)
    assert fonts
    assert all("NotoSerifCJK" in name.replace("-", "") for name in fonts), fonts


def test_qr_code_opens_the_verification_page(world, issue, settings):
    settings.SITE_URL = "https://yjxf.example.cn"
    certificate = issue(world["member"], render=True)
    url = f"https://yjxf.example.cn/verify/{certificate.code}/"
    assert verification_url(certificate) == url
    assert qr_codes(stored(certificate)) == [url]


def test_stored_hash_matches_and_the_file_is_never_replaced(world, issue):
    certificate = issue(world["member"], render=True)
    data = stored(certificate)
    assert certificate.pdf.name.endswith(".pdf")
    assert certificate.serial in certificate.pdf.name
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert certificate.rendered_at is not None
    assert certificate.pdf_signed is False
    name, rendered_at = certificate.pdf.name, certificate.rendered_at

    # Every path that renders leaves an issued file alone.
    certificate_render(certificate)
    certificate_render_task(certificate.pk)
    certificates_render([certificate])
    # Even a stale copy that believes it has no file (a task racing another).
    stale = Certificate.objects.get(pk=certificate.pk)
    stale.pdf = ""
    certificate_store(stale, b"%PDF-1.4 something else")
    certificate_render(stale)

    certificate.refresh_from_db()
    assert certificate.pdf.name == name
    assert certificate.rendered_at == rendered_at
    assert stored(certificate) == data
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()


def test_storing_is_kept_in_history(world, issue):
    certificate = issue(world["member"], render=True)
    latest = certificate.history.first()
    assert latest.pdf == certificate.pdf.name
    assert latest.pdf_sha256 == certificate.pdf_sha256


def test_bulk_job_gives_each_certificate_its_own_page(
    world, course, template, django_capture_on_commit_callbacks
):
    team = world["qingxiu_team"]
    names = ["欧阳晓燕", "覃振宇", "韦丽萍"]
    members = [world["member"], world["leader"]]
    members += [MemberFactory(team=team, name=name) for name in names]
    for member in members:
        complete(member, course)
    with django_capture_on_commit_callbacks(execute=True):
        job = certificate_job_create(by=world["qingxiu_admin"], course=course, team=team)
    job.refresh_from_db()
    assert job.issued == len(members)

    certificates = list(Certificate.objects.filter(course=course).order_by("serial"))
    assert len(certificates) == len(members)
    seen_hashes = set()
    for certificate in certificates:
        data = stored(certificate)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a broken cross-reference table warns
            reader = PdfReader(io.BytesIO(data), strict=True)
            assert len(reader.pages) == 1
            assert reader.metadata.title == f"{certificate.serial} {certificate.holder_name}"
        text = text_of(data)
        assert certificate.holder_name in text
        assert certificate.serial in text
        others = [c for c in certificates if c.pk != certificate.pk]
        assert not any(other.serial in text for other in others)
        assert not any(other.holder_name in text for other in others)
        assert qr_codes(data) == [verification_url(certificate)]
        assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
        seen_hashes.add(certificate.pdf_sha256)
    assert len(seen_hashes) == len(members)


def test_batch_with_mixed_layouts(world, issue, template):
    modern = CertificateTemplate.objects.create(
        name="简洁模板",
        layout=CertificateLayout.MODERN,
        title="结业证书",
        issuing_organisation="南宁市应急管理局",
        signatories="南宁市应急管理局 局长 李明",
    )
    classic = issue(world["member"])
    other = issue(world["leader"])
    Certificate.objects.filter(pk=other.pk).update(template=modern)
    other.refresh_from_db()

    files = render_pdfs([classic, other])
    assert len(files) == 2
    width, height = page_size(files[0])
    assert width > height  # classic: A4 landscape
    width, height = page_size(files[1])
    assert width < height  # modern: A4 portrait
    assert round(width) == 595 and round(height) == 842
    modern_text = text_of(files[1])
    assert "结业证书" in modern_text
    assert "南宁市应急管理局局长李明" in modern_text
    assert other.holder_name in modern_text
    assert classic.holder_name not in modern_text
    assert qr_codes(files[1]) == [verification_url(other)]
    assert qr_codes(files[0]) == [verification_url(classic)]


def test_modern_layout_through_the_task(world, course, issue):
    course.certificate_template = CertificateTemplate.objects.create(
        name="竖版", layout=CertificateLayout.MODERN, signatories="培训中心 主任 韦明"
    )
    course.save()
    certificate = issue(world["member"], render=True)
    data = stored(certificate)
    width, height = page_size(data)
    assert width < height
    text = text_of(data)
    assert "陆队员" in text and certificate.serial in text and "社区应急救护基础" in text
    assert "培训中心主任韦明" in text
    assert qr_codes(data) == [verification_url(certificate)]


def test_no_expiry_reads_long_term(world, course, issue):
    course.certificate_validity_months = 0
    course.save()
    certificate = issue(world["member"], render=True)
    assert certificate.expires_on is None
    text = text_of(stored(certificate))
    assert "长期有效" in text
    assert "有效期限" in text


def test_chinese_dates():
    assert chinese_date(datetime.date(2026, 11, 30)) == "2026年11月30日"
    assert chinese_date(datetime.date(2027, 1, 5)) == "2027年1月5日"
    assert chinese_date(None) == "长期有效"


def test_seal_and_background_images_are_embedded(world, issue, template):
    Image_ = get_image_model()
    template.seal = Image_.objects.create(title="印章", file=png())
    template.background = Image_.objects.create(
        title="底纹", file=png(color=(230, 210, 160, 255), size=(800, 560))
    )
    template.save()
    data = stored(issue(world["member"], render=True))
    reader = PdfReader(io.BytesIO(data))
    images = list(reader.pages[0].images)
    assert len(images) >= 2
    # Still one page, and the QR code still reads over the background.
    assert len(reader.pages) == 1
    assert len(qr_codes(data)) == 1


def test_body_template_is_filled_and_stray_braces_stay_text(world, issue, template):
    template.body = "兹证明{name}参加《{course}》共{hours}学时，{unknown}结业于{completed}。<b>"
    template.save()
    certificate = issue(world["member"], render=True)
    text = text_of(stored(certificate))
    completed = chinese_date(certificate.completed_on)
    assert "兹证明陆队员参加《社区应急救护基础》共" in text
    assert f"{{unknown}}结业于{completed}。<b>" in text


def test_a_long_body_still_fits_one_page(world, issue, template):
    template.body = "{name}" + "经考核合格，特发此证。" * 36
    template.save()
    certificate = issue(world["member"], render=True)
    data = stored(certificate)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_renderer_fetches_no_urls(world, issue, template):
    """Text that looks like markup is escaped; nothing makes WeasyPrint open a file or URL."""
    template.issuing_organisation = '<img src="file:///etc/passwd">应急管理厅'
    template.save()
    certificate = issue(world["member"], render=True)
    text = text_of(stored(certificate))
    assert '<imgsrc="file:///etc/passwd">应急管理厅' in text


def test_renderer_opens_no_file_url(tmp_path):
    """Only data: URIs load: a file:// image in the HTML is left out."""
    path = tmp_path / "secret.png"
    path.write_bytes(png().read())
    data = write_pdf(f'<html><body><p>文件</p><img src="file://{path}"></body></html>')
    assert list(PdfReader(io.BytesIO(data)).pages[0].images) == []


def test_a_deleted_template_falls_back_to_the_current_default(world, issue, template):
    certificate = issue(world["member"])
    template.delete()
    certificate.refresh_from_db()
    assert certificate.template is None
    certificate = certificate_render(certificate)
    text = text_of(stored(certificate))
    assert "陆队员" in text and certificate.serial in text
    # The snapshot of the issuing organisation is what the page says.
    assert certificate.issuing_organisation in text
