"""Downloads of team files outside the Wagtail admin.

Every file here is served through the scope: a file outside it is a 404, and an
anonymous visitor is sent to sign in.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from lms.scope import scope_for


def _attachment(field_file, filename: str) -> FileResponse:
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def team_document_download(request, pk: int):
    document = get_object_or_404(scope_for(request.user).documents(), pk=pk)
    extension = document.file.name.rsplit(".", 1)[-1] if "." in document.file.name else "bin"
    return _attachment(document.file, f"{document.title}.{extension}")


@never_cache
@login_required
def policy_document_download(request, pk: int):
    policy = get_object_or_404(scope_for(request.user).policies(), pk=pk)
    extension = policy.document.name.rsplit(".", 1)[-1] if "." in policy.document.name else "pdf"
    return _attachment(policy.document, f"保单-{policy.policy_number}.{extension}")
