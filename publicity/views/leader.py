"""Leaders draft their team's public page and its stories, and submit them for approval.

Under /learn/ (namespace "publicity"). The team is looked up within the user's managed teams
(its leader or deputy, the administrators over it): anyone else gets a 404, and a visitor
who is not signed in is sent to sign in. Every write is a service whose refusal is shown on
the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from wagtail.models import Locale

from lms.views.common import field_error, managed_team
from publicity.errors import DomainError
from publicity.forms import ACTION_SUBMIT, StoryForm, TeamPageForm
from publicity.models import StoryPage
from publicity.selectors import teams as selectors
from publicity.services.pages import story_save, team_page_save


def _live_url(request: HttpRequest, page) -> str | None:
    return page.get_url(request) if page is not None and page.live else None


def _saved_message(request: HttpRequest, submitted: bool) -> None:
    if submitted:
        messages.success(request, _("已提交审核，区域管理员批准后即对公众发布。"))
    else:
        messages.success(request, _("草稿已保存。提交审核并获批准后才会公开。"))


@never_cache
@login_required
def team_page(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = managed_team(request, team_pk)
    page = selectors.team_page_of(team)
    draft = page.get_latest_revision_as_object() if page is not None else None
    initial = (
        {"title": draft.title, "introduction": draft.introduction}
        if draft
        else {"title": team.name}
    )
    form = TeamPageForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == ACTION_SUBMIT
        data = form.cleaned_data
        try:
            team_page_save(
                team=team,
                user=request.user,
                title=data["title"],
                introduction=data["introduction"],
                photo=data["photo"],
                submit=submit,
            )
        except DomainError as error:
            field_error(form, error)
        else:
            _saved_message(request, submit)
            return redirect("publicity:team_page", team_pk=team.pk)
    state = selectors.page_state(page)
    return render(
        request,
        "publicity/leader/team_page.html",
        {
            "team": team,
            "team_page": page,
            "draft": draft,
            "state": state,
            "form": form,
            "live_url": _live_url(request, page),
            "editable": state.code != "moderation",
        },
    )


@never_cache
@login_required
def team_stories(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = managed_team(request, team_pk)
    stories = [
        {
            "story": story,
            "state": selectors.page_state(story),
            "live_url": _live_url(request, story),
        }
        for story in selectors.team_stories(team)
    ]
    return render(
        request,
        "publicity/leader/stories.html",
        {"team": team, "stories": stories},
    )


def _team_story(team, page_pk: int) -> StoryPage:
    story = StoryPage.objects.filter(
        pk=page_pk, written_by=team, locale=Locale.get_default()
    ).first()
    if story is None:
        raise Http404
    return story


def _story_form(request: HttpRequest, team_pk: int, page_pk: int | None) -> HttpResponse:
    team = managed_team(request, team_pk)
    story = _team_story(team, page_pk) if page_pk is not None else None
    draft = story.get_latest_revision_as_object() if story is not None else None
    initial, body_editable = {}, True
    if draft is not None:
        body, body_editable = selectors.story_body_text(draft)
        initial = {
            "title": draft.title,
            "story_date": draft.story_date,
            "summary": draft.summary,
            "body": body,
        }
    form = StoryForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == ACTION_SUBMIT
        data = form.cleaned_data
        try:
            saved = story_save(
                team=team,
                user=request.user,
                story=story,
                title=data["title"],
                summary=data["summary"],
                story_date=data["story_date"],
                body=data["body"],
                hero_image=data["hero_image"],
                submit=submit,
            )
        except DomainError as error:
            field_error(form, error)
        else:
            _saved_message(request, submit)
            return redirect("publicity:story_edit", team_pk=team.pk, page_pk=saved.pk)
    state = selectors.page_state(story)
    return render(
        request,
        "publicity/leader/story_form.html",
        {
            "team": team,
            "story": story,
            "draft": draft,
            "state": state,
            "form": form,
            "live_url": _live_url(request, story),
            "editable": state.code != "moderation" and body_editable,
            "body_editable": body_editable,
        },
    )


@never_cache
@login_required
def story_new(request: HttpRequest, team_pk: int) -> HttpResponse:
    return _story_form(request, team_pk, None)


@never_cache
@login_required
def story_edit(request: HttpRequest, team_pk: int, page_pk: int) -> HttpResponse:
    return _story_form(request, team_pk, page_pk)


urlpatterns = [
    path("teams/<int:team_pk>/public-page/", team_page, name="team_page"),
    path("teams/<int:team_pk>/stories/", team_stories, name="team_stories"),
    path("teams/<int:team_pk>/stories/new/", story_new, name="story_new"),
    path("teams/<int:team_pk>/stories/<int:page_pk>/", story_edit, name="story_edit"),
]
