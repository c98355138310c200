"""Wagtail's image and document forms with cms.uploads' content checks added.

Wagtail checks a document by its extension only, and an image by its header (a file that
starts like a PNG but cannot be decoded is accepted, and fails later when a rendition is
made). Set as WAGTAILIMAGES_IMAGE_FORM_BASE and WAGTAILDOCS_DOCUMENT_FORM_BASE, these run on
every upload path Wagtail has: the add and edit pages, the multiple uploader, the choosers.
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm
from wagtail.images.utils import get_allowed_image_extensions

from cms.uploads import MB, check_upload


def _limit_mb(size: int | None) -> float | None:
    return None if size is None else size / MB


class CheckedImageField(WagtailImageField):
    """Wagtail's image field, with the file checked (and decoded) first: Wagtail's own
    checks read the header, and a truncated file raised an error out of them (a 500)."""

    def to_python(self, data):
        if isinstance(data, UploadedFile):
            check_upload(
                data,
                extensions=get_allowed_image_extensions(),
                max_mb=_limit_mb(getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", None)),
            )
        return super().to_python(data)


class CheckedImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None:  # the multiple uploader's edit form has no file field
            self.fields["file"] = CheckedImageField(
                label=field.label, required=field.required, widget=field.widget
            )


class CheckedDocumentForm(BaseDocumentForm):
    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):
            check_upload(
                file,
                extensions=settings.WAGTAILDOCS_EXTENSIONS,
                max_mb=_limit_mb(getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)),
            )
        return file
