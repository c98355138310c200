"""The contest page's routes: overview, submission, an entry, its video, votes, results.

`page` is the contest page the visitor came through (Chinese, or its Zhuang or English
counterpart); entries, scores and votes belong to its source in the default language.
Anonymous GETs of these pages are cached whole (cms.cache); a response carrying a form or
a signed-in person's own state is marked private, so the cache never keeps it. Author
names and phone numbers are never shown here.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from lms.ratelimit import request_rate_limit_hit
from publicity.contest_forms import ContestEntryForm
from publicity.errors import DomainError
from publicity.media import ranged_file_response
from publicity.models.contest import EntryStatus
from publicity.selectors.contest import (
    STATE_LABELS,
    approved_entries,
    contest_source,
    contest_state,
    embed_view,
    entry_any_status,
    has_voted,
    may_see_pending,
    public_entry,
    results_ranking,
    votes_are_open,
    votes_close_at,
)
from publicity.services.contest import contest_entry_submit, contest_vote_cast

SUBMIT_SCOPE = "contest-submit"
# Entries per client address: (submissions, seconds).
SUBMIT_RATE = getattr(settings, "CONTEST_SUBMIT_RATE", (10, 3600))


def _private(response):
    """Never cached anywhere: the page holds a form (CSRF token) or the person's own state."""
    add_never_cache_headers(response)
    patch_vary_headers(response, ["Cookie"])
    return response


def _route_url(request, page, name: str, *args) -> str:
    return page.get_url(request) + page.reverse_subpage(name, args=list(args))


def _render(request, page, template: str, context: dict, *, status: int = 200):
    source = contest_source(page)
    state = contest_state(source)
    base = {
        "page": page,
        "self": page,
        "contest": source,
        "state": state,
        "state_label": STATE_LABELS[state],
        "is_open": state == "open",
        "votes_open": votes_are_open(source),
        "votes_close_at": votes_close_at(source),
    }
    return TemplateResponse(
        request, f"publicity/contest/{template}", {**base, **context}, status=status
    )


def contest_overview(request, page):
    return _render(
        request,
        page,
        "overview.html",
        {"criteria": page.criteria.all(), "entries": approved_entries(page)},
    )


def contest_submit(request, page):
    source = contest_source(page)
    limit_mb = source.max_video_mb
    retry_after = None
    if request.method == "POST":
        form = ContestEntryForm(request.POST, request.FILES, max_video_mb=limit_mb)
        limit = request_rate_limit_hit(request, SUBMIT_SCOPE, SUBMIT_RATE)
        if not limit.allowed:
            retry_after = limit.retry_after
        elif form.is_valid():
            data = form.cleaned_data
            try:
                contest_entry_submit(
                    contest=source,
                    user=request.user if request.user.is_authenticated else None,
                    title=data["title"],
                    description=data["description"],
                    team=data["team_name"],
                    video=data["video"],
                    embed_url=data["embed_url"],
                    author_name=data["author_name"],
                    author_phone=data["author_phone"],
                )
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                messages.success(request, _("已收到，审核通过后公开。感谢参赛！"))
                return _private(redirect(_route_url(request, page, "submit")))
    else:
        form = ContestEntryForm(max_video_mb=limit_mb)
    response = _render(
        request,
        page,
        "submit.html",
        {"form": form, "max_video_mb": limit_mb, "retry_after": retry_after},
        status=429 if retry_after else 200,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return _private(response)


def contest_entry(request, page, pk):
    entry = public_entry(page, pk)
    if entry is None:
        raise Http404
    entry_url = _route_url(request, page, "entry", entry.pk)
    response = _render(
        request,
        page,
        "entry.html",
        {
            "entry": entry,
            "embed": embed_view(entry.embed_url),
            "video_url": _route_url(request, page, "video", entry.pk) if entry.video else "",
            "vote_url": _route_url(request, page, "vote", entry.pk),
            "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': entry_url})}",
            "entry_url": entry_url,
            "has_voted": has_voted(entry, request.user),
        },
    )
    if request.user.is_authenticated:
        _private(response)
    return response


def contest_vote(request, page, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    entry_url = _route_url(request, page, "entry", pk)
    if not request.user.is_authenticated:
        return redirect_to_login(entry_url)
    entry = entry_any_status(page, pk)
    if entry is None or entry.status != EntryStatus.APPROVED:
        raise Http404
    try:
        contest_vote_cast(entry=entry, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("投票成功，感谢您的支持！"))
    return _private(redirect(entry_url))


def contest_video(request, page, pk):
    entry = entry_any_status(page, pk)
    if entry is None or not entry.video:
        raise Http404
    approved = entry.status == EntryStatus.APPROVED
    if not approved and not may_see_pending(request.user):
        raise Http404
    response = ranged_file_response(request, entry.video, entry.video_type or "video/mp4")
    response["X-Content-Type-Options"] = "nosniff"
    if approved:
        patch_cache_control(response, private=True, max_age=600)
    else:
        _private(response)
    return response


def contest_results(request, page):
    source = contest_source(page)
    if not source.results_published:
        raise Http404
    criteria = list(source.criteria.all())
    # The visitor's language names the criteria when the page's criteria match the source's.
    local = list(page.criteria.all())
    names = [c.name for c in (local if len(local) == len(criteria) else criteria)]
    return _render(
        request,
        page,
        "results.html",
        {"rows": results_ranking(source), "criteria_names": names, "criteria": criteria},
    )
