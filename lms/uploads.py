"""Validators of the files teams keep: governance documents, insurance policies, drill photos.

Attached to the model fields, so every path that saves one through ``full_clean`` (admin
forms, leaders' pages, services) runs them; the checks themselves (extension, size, content
by its first bytes, images decoded by Pillow within a pixel limit) are cms.uploads'.
A refused file is never stored: validation runs before the storage writes it.
"""

from cms.uploads import check_upload

__all__ = ["check_upload", "validate_document", "validate_photo", "validate_policy_document"]

PDF = ("pdf",)
IMAGES = ("jpg", "jpeg", "png", "webp")
WORD = ("docx", "doc")
# Read when a file is checked (not bound at import), so a test can lower them.
DOCUMENT_MAX_MB = 20
PHOTO_MAX_MB = 10


def _is_new_upload(file) -> bool:
    """A FieldFile saved earlier was checked when it was uploaded: reading it back from
    (possibly remote) storage on every later save would be wasted work. A plain string is
    a stored name (a historical record's copy of the field)."""
    return bool(file) and not isinstance(file, str) and not getattr(file, "_committed", False)


def validate_document(file) -> None:
    """A team's governance document: PDF, Word or a photo of the paper, at most 20 MB."""
    if _is_new_upload(file):
        check_upload(file, extensions=PDF + WORD + IMAGES, max_mb=DOCUMENT_MAX_MB)


def validate_policy_document(file) -> None:
    """An insurance policy: PDF or a photo of the paper, at most 20 MB."""
    if _is_new_upload(file):
        check_upload(file, extensions=PDF + IMAGES, max_mb=DOCUMENT_MAX_MB)


def validate_photo(file) -> None:
    """A drill photo: JPEG, PNG or WebP, at most 10 MB."""
    if _is_new_upload(file):
        check_upload(file, extensions=IMAGES, max_mb=PHOTO_MAX_MB)
