"""System checks: private files (team documents, policies, certificates, drill photos, contest
videos) must not be reachable without the scope-checked views that serve them."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import InvalidStorageError, storages

PUBLIC_ACLS = ("public-read", "public-read-write")


def _inside(path: Path, folder) -> bool:
    if not folder:
        return False
    return path == Path(folder).resolve() or Path(folder).resolve() in path.parents


def _public_folders() -> list[tuple[str, str]]:
    """Folders served to anyone: media (by the app in development, by the proxy in
    production) and static files (by WhiteNoise)."""
    folders = [("MEDIA_ROOT", settings.MEDIA_ROOT), ("STATIC_ROOT", settings.STATIC_ROOT)]
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        folders.append(("STATICFILES_DIRS", entry[1] if isinstance(entry, tuple) else entry))
    return [(name, folder) for name, folder in folders if folder]


@register(Tags.security)
def check_private_storage(app_configs=None, **kwargs):
    try:
        storage = storages["private"]
    except InvalidStorageError:
        return [
            Error(
                'STORAGES has no "private" storage for team documents and certificates.',
                id="lms.E101",
            )
        ]
    errors = []
    location = getattr(storage, "location", None)
    if location is not None and hasattr(storage, "path"):  # a local file system
        path = Path(location).resolve()
        for name, folder in _public_folders():
            if _inside(path, folder):
                errors.append(
                    Error(
                        f"The private storage's location {path} is inside {name} ({folder}), "
                        "which is served to anyone.",
                        hint="Set PRIVATE_MEDIA_ROOT to a folder outside MEDIA_ROOT and "
                        "STATIC_ROOT (a sibling, such as BASE_DIR / 'private-media').",
                        id="lms.E102",
                    )
                )
    # Object storage (django-storages' S3 and alike): files must be private and their
    # addresses signed.
    if getattr(storage, "default_acl", None) in PUBLIC_ACLS:
        errors.append(
            Error(
                "The private storage uploads files with a public ACL.",
                hint='Set "default_acl": "private" in its OPTIONS.',
                id="lms.E104",
            )
        )
    if getattr(storage, "querystring_auth", True) is False:
        errors.append(
            Error(
                "The private storage gives unsigned (permanent, public) file addresses.",
                hint='Set "querystring_auth": True in its OPTIONS.',
                id="lms.E105",
            )
        )
    return errors
