"""Checks on uploaded files: the type by the file's content, not its name, and a size limit.

Shared by every upload: team documents, policies and drill photos (lms.uploads, as model
field validators), spreadsheet imports, team photos, and Wagtail's own image and document
forms (cms.upload_forms). A refused file is never stored: every check runs before the
storage writes it.
"""

import codecs
import warnings
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from PIL import Image

from cms.spreadsheets import not_xlsx_message

MB = 1024 * 1024

# The formats Pillow reports for each image extension (MPO: a camera's multi-picture JPEG).
IMAGE_FORMATS = {
    "jpg": {"JPEG", "MPO"},
    "jpeg": {"JPEG", "MPO"},
    "png": {"PNG"},
    "webp": {"WEBP"},
    "gif": {"GIF"},
}
# Office Open XML files are zip archives; each kind has one part the others lack.
OOXML_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
# A macro-enabled file renamed to the plain extension.
OOXML_MACROS = ("word/vbaProject.bin", "xl/vbaProject.bin", "ppt/vbaProject.bin")
TEXT_EXTENSIONS = ("csv", "txt")
# Markup a browser would render if a "text" file were ever served inline.
MARKUP_STARTS = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<head")
TEXT_SAMPLE = 8192
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A legacy Word file is an OLE compound file (as are .xls, .ppt and .msi installers) whose
# directory holds a stream of this name, stored in UTF-16LE.
WORD_STREAM = "WordDocument".encode("utf-16-le")
SCAN_CHUNK = 1024 * 1024


class ContentMismatch(Exception):
    """The file's content is not what its extension says (or it cannot be read)."""


def _read_head(file, size: int) -> bytes:
    position = file.tell()
    try:
        file.seek(0)
        return file.read(size)
    finally:
        file.seek(position)


def _file_size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, 2)
        size = file.tell()
        file.seek(position)
    return size


def _extension(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _limit_text(max_mb: float) -> str:
    return f"{max_mb:g} MB"


def max_image_pixels() -> int:
    """Pixels an uploaded image may have (width × height): one limit for every upload."""
    return getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", None) or Image.MAX_IMAGE_PIXELS


def check_image(file, *, formats: set[str] | None = None) -> str:
    """The Pillow format of an image that opens, verifies and decodes within the pixel limit;
    ValidationError otherwise. `formats`: the formats allowed (None: any)."""
    try:
        return _decode_image(file, formats=formats)
    except ContentMismatch as exc:
        raise ValidationError(_("文件不是有效的图片，或者已经损坏。"), code="content") from exc


def _decode_image(file, *, formats: set[str] | None) -> str:
    position = file.tell()
    limit = max_image_pixels()
    try:
        with warnings.catch_warnings():
            # The limit is checked below, with a reason a person can read.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as image:
                image_format = image.format
                width, height = image.size
                if formats is not None and image_format not in formats:
                    raise ContentMismatch
                if width * height > limit:
                    raise _too_many_pixels(width, height, limit)
                image.verify()
            # verify() leaves the image unusable and checks little for JPEG: decode it too,
            # a JPEG at 1/8 scale (draft), so a truncated or corrupt file is caught here.
            file.seek(0)
            with Image.open(file) as image:
                if image.format in ("JPEG", "MPO"):
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                if image.format != "PNG":  # PNG: verify() has checked every chunk's CRC
                    image.load()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(None, None, limit) from exc
    except (ValidationError, ContentMismatch):
        raise
    except Exception as exc:  # Pillow raises many kinds for a file that is not an image
        raise ContentMismatch from exc
    finally:
        file.seek(position)
    return image_format


def _too_many_pixels(width, height, limit: int) -> ValidationError:
    if width is None:
        size = _("尺寸异常")
    else:
        size = _("%(width)s×%(height)s 像素") % {"width": width, "height": height}
    return ValidationError(
        _("图片尺寸过大（%(size)s），上限为 %(limit)s 万像素：请缩小后再上传。")
        % {"size": size, "limit": f"{limit / 10_000:g}"},
        code="pixels",
    )


def _check_ooxml(file, extension: str) -> None:
    position = file.tell()
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ContentMismatch from exc
    finally:
        file.seek(position)
    if OOXML_MAIN_PART[extension] not in names:
        raise ContentMismatch
    if names.intersection(OOXML_MACROS):
        raise ValidationError(
            _("文件含有宏（VBA 代码），不能上传：请另存为不含宏的 .%(extension)s 文件。")
            % {"extension": extension},
            code="macros",
        )


def _check_text(file) -> None:
    sample = _read_head(file, TEXT_SAMPLE)
    if b"\x00" in sample:
        raise ContentMismatch
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Incremental: the sample may end in the middle of a character.
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            break
        except UnicodeDecodeError:
            continue
    if text is None or text.lstrip().lower().encode().startswith(MARKUP_STARTS):
        raise ContentMismatch


def _has_word_stream(file) -> bool:
    position = file.tell()
    try:
        file.seek(0)
        tail = b""
        while chunk := file.read(SCAN_CHUNK):
            if WORD_STREAM in tail + chunk:
                return True
            tail = chunk[-len(WORD_STREAM) :]
        return False
    finally:
        file.seek(position)


def _check_content(file, extension: str) -> None:
    """Raise ContentMismatch (or a ValidationError with its own reason) unless the content is
    what `extension` says."""
    if extension in IMAGE_FORMATS:
        _decode_image(file, formats=IMAGE_FORMATS[extension])
        return
    if extension in OOXML_MAIN_PART:
        _check_ooxml(file, extension)
        return
    if extension in TEXT_EXTENSIONS:
        _check_text(file)
        return
    head = _read_head(file, 16)
    if extension == "pdf":
        genuine = head.startswith(b"%PDF-")
    elif extension == "doc":
        genuine = head.startswith(OLE_MAGIC) and _has_word_stream(file)
    elif extension == "mp4":
        genuine = head[4:8] == b"ftyp"
    elif extension == "webm":
        genuine = head.startswith(b"\x1a\x45\xdf\xa3")  # EBML
    else:  # an extension with no content check is never accepted
        genuine = False
    if not genuine:
        raise ContentMismatch


def check_upload(file, *, extensions, max_mb: float | None) -> str:
    """The file's extension, once the file is one of `extensions` by name and by content and
    no larger than `max_mb` (None: no limit here); ValidationError with the reason otherwise.
    """
    extensions = tuple(e.lower() for e in extensions)
    extension = _extension(getattr(file, "name", ""))
    if extension not in extensions:
        raise ValidationError(
            _("只能上传 %(allowed)s 格式的文件（%(this)s）。")
            % {
                "allowed": "、".join(e.upper() for e in extensions),
                "this": _("所选文件是 .%(extension)s") % {"extension": extension}
                if extension
                else _("所选文件没有扩展名"),
            },
            code="extension",
        )
    size = _file_size(file)
    if max_mb is not None and size > max_mb * MB:
        raise ValidationError(
            _("文件过大（%(size).1f MB），上限为 %(limit)s。")
            % {"size": size / MB, "limit": _limit_text(max_mb)},
            code="size",
        )
    if size == 0:
        raise ValidationError(_("文件是空的。"), code="empty")
    try:
        _check_content(file, extension)
    except ContentMismatch as exc:
        if extension in IMAGE_FORMATS:
            message = _(
                "文件不是有效的图片（应为 %(type)s）：内容与扩展名不符（可能只是改了扩展名），"
                "或者文件已损坏。"
            )
        else:
            message = _(
                "文件内容不是 %(type)s 格式：内容与扩展名不符（可能只是改了扩展名），"
                "或者文件已损坏。"
            )
        raise ValidationError(message % {"type": extension.upper()}, code="content") from exc
    return extension


def validate_spreadsheet(file) -> None:
    """An import's spreadsheet: named .xlsx and starting as a zip archive does. The size limit
    and what is inside the archive are the import's to check (it says which limit, which
    row)."""
    extension = _extension(getattr(file, "name", ""))
    if extension != "xlsx" or not _read_head(file, 4).startswith(b"PK\x03\x04"):
        raise ValidationError(not_xlsx_message(), code="extension")
