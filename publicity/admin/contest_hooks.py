"""Admin: reviewing contest entries, judging them on the published criteria, the results.

The menu 短视频大赛 holds four screens; who may use each is checked in the view itself
(anyone else gets a 404, so entry ids cannot be probed):

- 参赛作品 (the list) and an entry's review screen: reviewers (审核员) and superusers see
  every entry with its author's contacts and approve or reject it; judges see the list of
  approved entries only, without contacts.
- 评审打分: judges (短视频评委) and superusers score approved entries, all criteria at once,
  and see their own scores; scores lock when the results are published.
- 评审结果: the ranking per contest for reviewers and judges; the XLSX export, which holds
  the authors' contacts, for reviewers only.

These are workflows over the entries rather than record editing, so they are plain admin
views over publicity.services.contest, not a ModelViewSet.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from openpyxl import Workbook

from cms.spreadsheets import new_sheet, text_cell, workbook_bytes, xlsx_response
from publicity.contest_forms import (
    ContestChoiceForm,
    EntryFilterForm,
    EntryReviewForm,
    JudgeScoreForm,
    source_contests,
)
from publicity.errors import DomainError
from publicity.media import ranged_file_response
from publicity.models.contest import ContestEntry, EntryStatus
from publicity.selectors.contest import (
    embed_view,
    entries_for_review,
    entries_scored_by,
    judge_scores_of,
    judges_total,
    judging_progress,
    may_judge,
    may_review,
    may_see_pending,
    results_ranking,
)
from publicity.services.contest import contest_entry_review, judge_scores_save

NAMESPACE = "publicity_contest"
PER_PAGE = 50


def _url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _public_url(request, entry: ContestEntry) -> str:
    contest = entry.contest
    base = contest.get_url(request) or ""
    return base + contest.reverse_subpage("entry", args=[entry.pk])


def _chosen_contest(request):
    """The contest asked for (?contest=), else the newest; None when there is none."""
    form = ContestChoiceForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["contest"]
    contest = source_contests().first()
    return ContestChoiceForm(initial={"contest": contest}), contest


class ContestAdminView(WagtailAdminTemplateMixin, View):
    """A screen of the 短视频大赛 menu; `allowed` says who may open it."""

    header_icon = "media"

    def allowed(self, user) -> bool:
        return False

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


# -- entries and their review ---------------------------------------------------------------


class EntryListView(ContestAdminView):
    page_title = gettext_lazy("参赛作品")
    template_name = "publicity/admin/contest/entries.html"

    def allowed(self, user):
        return may_review(user) or may_judge(user)

    def get(self, request):
        form = EntryFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        reviewer = may_review(request.user)
        status = filters.get("status", "")
        if not reviewer:
            # Judges see what they judge: approved entries, never authors' contacts.
            status = EntryStatus.APPROVED
            form.fields.pop("status")
        entries = entries_for_review(
            contest=filters.get("contest"), status=status, query=filters.get("q", "")
        )
        if not reviewer:
            entries = entries.filter(status=EntryStatus.APPROVED)
        page = Paginator(entries, PER_PAGE).get_page(request.GET.get("p"))
        query = request.GET.copy()
        query.pop("p", None)
        context = self.get_context_data(
            form=form,
            entries=page,
            reviewer=reviewer,
            judge=may_judge(request.user),
            query=query.urlencode(),
            pending=ContestEntry.objects.filter(status=EntryStatus.PENDING).count(),
        )
        return self.render_to_response(context)


class EntryReviewView(ContestAdminView):
    template_name = "publicity/admin/contest/entry_review.html"

    def allowed(self, user):
        return may_review(user)

    def get_page_title(self):
        return _("审核作品")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": _url("entries"), "label": _("参赛作品")},
            {"url": "", "label": self.entry.title},
        ]

    def _render(self, form):
        entry = self.entry
        context = self.get_context_data(
            entry=entry,
            form=form,
            embed=embed_view(entry.embed_url),
            video_url=_url("video", entry.pk) if entry.video else "",
            public_url=_public_url(self.request, entry),
            submitted_by=get_user_display_name(entry.submitted_by)
            if entry.submitted_by
            else _("未登录的访客"),
            reviewed_by=get_user_display_name(entry.reviewed_by) if entry.reviewed_by else "",
        )
        self.page_subtitle = entry.title
        return self.render_to_response(context)

    def get(self, request, pk):
        self.entry = get_object_or_404(
            ContestEntry.objects.select_related("contest", "team"), pk=pk
        )
        return self._render(EntryReviewForm())

    def post(self, request, pk):
        self.entry = get_object_or_404(
            ContestEntry.objects.select_related("contest", "team"), pk=pk
        )
        form = EntryReviewForm(request.POST)
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                contest_entry_review(
                    entry=self.entry,
                    user=request.user,
                    approve=approve,
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                form.add_error("note" if error.field == "note" else None, error.message)
            else:
                if approve:
                    messages.success(
                        request,
                        _("「%(title)s」已通过审核，已公开展示。") % {"title": self.entry.title},
                    )
                else:
                    messages.success(
                        request, _("「%(title)s」未通过审核。") % {"title": self.entry.title}
                    )
                return redirect(_url("entries"))
        messages.error(request, _("审核未保存，请检查下面的错误。"))
        return self._render(form)


class EntryVideoView(View):
    """The uploaded video for its reviewers and judges (also before the entry is approved)."""

    @method_decorator(never_cache)
    def get(self, request, pk):
        if not may_see_pending(request.user):
            raise Http404
        entry = get_object_or_404(ContestEntry, pk=pk)
        return ranged_file_response(request, entry.video, entry.video_type or "video/mp4")


# -- judging --------------------------------------------------------------------------------


class JudgingView(ContestAdminView):
    page_title = gettext_lazy("评审打分")
    template_name = "publicity/admin/contest/judging.html"

    def allowed(self, user):
        return may_judge(user)

    def get(self, request):
        form, contest = _chosen_contest(request)
        rows = []
        if contest is not None:
            entries = list(
                ContestEntry.objects.filter(contest=contest)
                .approved()
                .select_related("team")
                .order_by("submitted_at", "pk")
            )
            progress = judging_progress(contest)
            mine = entries_scored_by(contest, request.user)
            rows = [(entry, entry.pk in mine, progress.get(entry.pk, 0)) for entry in entries]
        context = self.get_context_data(
            form=form,
            contest=contest,
            rows=rows,
            judges=judges_total(),
            scored=sum(1 for _entry, done, _n in rows if done),
        )
        return self.render_to_response(context)


class JudgeEntryView(ContestAdminView):
    template_name = "publicity/admin/contest/judge_entry.html"

    def allowed(self, user):
        return may_judge(user)

    def get_page_title(self):
        return _("评分")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": f"{_url('judging')}?contest={self.entry.contest_id}", "label": _("评审打分")},
            {"url": "", "label": self.entry.title},
        ]

    def _entry(self, pk):
        self.entry = get_object_or_404(
            ContestEntry.objects.approved().select_related("contest", "team"), pk=pk
        )
        self.criteria = list(self.entry.contest.criteria.all())
        return self.entry

    def _render(self, form):
        entry = self.entry
        mine = judge_scores_of(entry, self.request.user)
        context = self.get_context_data(
            entry=entry,
            form=form,
            locked=entry.contest.results_published,
            embed=embed_view(entry.embed_url),
            video_url=_url("video", entry.pk) if entry.video else "",
            my_scores=[(c, mine.get(c.pk)) for c in self.criteria],
            my_total=sum(mine.values()) if mine else None,
            full_marks=sum(c.weight for c in self.criteria),
        )
        self.page_subtitle = entry.title
        return self.render_to_response(context)

    def get(self, request, pk):
        entry = self._entry(pk)
        mine = judge_scores_of(entry, request.user)
        initial = {f"criterion_{pk}": score for pk, score in mine.items()}
        return self._render(JudgeScoreForm(criteria=self.criteria, initial=initial))

    def post(self, request, pk):
        entry = self._entry(pk)
        form = JudgeScoreForm(request.POST, criteria=self.criteria)
        if form.is_valid():
            try:
                judge_scores_save(entry=entry, judge=request.user, scores=form.scores())
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                messages.success(request, _("「%(title)s」的评分已保存。") % {"title": entry.title})
                return redirect(f"{_url('judging')}?contest={entry.contest_id}")
        messages.error(request, _("评分未保存，请检查下面的错误。"))
        return self._render(form)


# -- results ----------------------------------------------------------------------------------


class ResultsView(ContestAdminView):
    page_title = gettext_lazy("评审结果")
    template_name = "publicity/admin/contest/results.html"

    def allowed(self, user):
        return may_review(user) or may_judge(user)

    def get(self, request):
        form, contest = _chosen_contest(request)
        reviewer = may_review(request.user)
        rows = results_ranking(contest) if contest is not None else []
        criteria = list(contest.criteria.all()) if contest is not None else []
        if request.GET.get("format") == "xlsx":
            if not reviewer or contest is None:
                raise Http404
            return xlsx_response(
                results_workbook(request, contest, criteria, rows),
                _("%(title)s-评审结果-%(day)s.xlsx")
                % {"title": contest.title, "day": timezone.localdate().isoformat()},
            )
        context = self.get_context_data(
            form=form,
            contest=contest,
            criteria=criteria,
            rows=rows,
            reviewer=reviewer,
            judges=judges_total(),
            export_url=f"{_url('results')}?contest={contest.pk}&format=xlsx" if contest else "",
        )
        return self.render_to_response(context)


def results_workbook(request, contest, criteria, rows) -> bytes:
    wb = Workbook(write_only=True)
    headers = [
        (_("名次"), 6),
        (_("作品名称"), 28),
        (_("展现的队伍"), 26),
        (_("作者"), 12),
        (_("联系电话"), 14),
        *((f"{c.name}（{c.weight}）", 12) for c in criteria),
        (_("总分"), 10),
        (_("已评分评委"), 10),
        (_("公众票数"), 10),
        (_("提交时间"), 18),
        (_("作品页面"), 50),
    ]
    ws = new_sheet(wb, _("评审结果"), headers)
    for row in rows:
        entry = row.entry
        ws.append(
            [
                row.rank,
                text_cell(ws, entry.title),
                text_cell(ws, entry.team.name if entry.team else ""),
                text_cell(ws, entry.author_name),
                text_cell(ws, entry.author_phone),
                *(float(m) if m is not None else None for m in row.means),
                float(row.total) if row.scored else None,
                row.judges,
                row.votes,
                timezone.localtime(entry.submitted_at).strftime("%Y-%m-%d %H:%M"),
                text_cell(ws, request.build_absolute_uri(_public_url(request, entry))),
            ]
        )
    return workbook_bytes(wb)


# -- registration -----------------------------------------------------------------------------

urlpatterns = [
    path("entries/", EntryListView.as_view(), name="entries"),
    path("entries/<int:pk>/", EntryReviewView.as_view(), name="entry"),
    path("entries/<int:pk>/video/", EntryVideoView.as_view(), name="video"),
    path("judging/", JudgingView.as_view(), name="judging"),
    path("judging/<int:pk>/", JudgeEntryView.as_view(), name="judge"),
    path("results/", ResultsView.as_view(), name="results"),
]


@hooks.register("register_admin_urls")
def register_contest_urls():
    return [path("publicity/contest/", include((urlpatterns, NAMESPACE), namespace=NAMESPACE))]


class _RoleMenuItem(MenuItem):
    def __init__(self, *args, shown_to, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown_to = shown_to

    def is_shown(self, request):
        return self.shown_to(request.user)


def _reviewer_or_judge(user) -> bool:
    return may_review(user) or may_judge(user)


contest_menu = Menu(
    items=[
        _RoleMenuItem(
            gettext_lazy("参赛作品"),
            reverse_lazy(f"{NAMESPACE}:entries"),
            icon_name="media",
            order=100,
            shown_to=_reviewer_or_judge,
        ),
        _RoleMenuItem(
            gettext_lazy("评审打分"),
            reverse_lazy(f"{NAMESPACE}:judging"),
            icon_name="edit",
            order=200,
            shown_to=may_judge,
        ),
        _RoleMenuItem(
            gettext_lazy("评审结果"),
            reverse_lazy(f"{NAMESPACE}:results"),
            icon_name="list-ol",
            order=300,
            shown_to=_reviewer_or_judge,
        ),
    ]
)


@hooks.register("register_admin_menu_item")
def register_contest_menu():
    return SubmenuMenuItem(
        gettext_lazy("短视频大赛"), contest_menu, icon_name="media", name="contest", order=260
    )
