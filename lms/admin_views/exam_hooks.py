"""Exam records in the Wagtail admin: attempts with their grade history, the regrade log,
and the "更正答案并重新评分" action on a question of the bank.

Who may do what:
- correcting a key and regrading: whoever may change questions (courses.change_question:
  trainers, reviewers, superusers); the regrade log is theirs to read too;
- attempts (member, score, grade history): area administrators within their subtree and
  superusers, looked up within `scope_for(user).attempts()`, so one outside is a 404.
Grades are never edited here: they change only through the grading and regrade services.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.action_menu import ActionMenuItem

import django_filters

from courses.models import OPTION_LETTERS, Exam, Question, QuestionType
from lms.errors import DomainError
from lms.models import Attempt, AttemptAnswer, AttemptStatus, QuestionRegrade
from lms.scope import scope_for
from lms.services.regrade import MAX_REASON_LENGTH, question_answer_correct

from .viewsets import ScopedDeleteView, ScopedLogHistoryView, ScopedUsageView, scoped

CHANGE_QUESTION = "courses.change_question"


def may_regrade(user) -> bool:
    return user.is_active and user.has_perm(CHANGE_QUESTION)


def may_read_attempts(user) -> bool:
    return user.is_active and (user.is_superuser or scope_for(user).is_area_admin)


# -- permission policies (registered before the viewsets ask for one) ------------------------


class _ViewOnlyPolicy(BasePermissionPolicy):
    """Only "view": nothing here is added, edited or deleted by hand."""

    def allows(self, user) -> bool:
        raise NotImplementedError

    def users(self):
        raise NotImplementedError

    def user_has_permission(self, user, action):
        return action == "view" and user.is_authenticated and self.allows(user)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and user.is_authenticated and self.allows(user)

    def users_with_any_permission(self, actions):
        return self.users() if "view" in actions else get_user_model().objects.none()

    def users_with_permission(self, action):
        return self.users_with_any_permission({action})


class AttemptPolicy(_ViewOnlyPolicy):
    def allows(self, user):
        return may_read_attempts(user)

    def users(self):
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(area_roles__isnull=False))
            .distinct()
        )


class RegradeLogPolicy(_ViewOnlyPolicy):
    def allows(self, user):
        return may_regrade(user)

    def users(self):
        app_label, codename = CHANGE_QUESTION.split(".")
        permission = Q(content_type__app_label=app_label, codename=codename)
        permissions = Permission.objects.filter(permission)
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(
                Q(is_superuser=True)
                | Q(groups__permissions__in=permissions)
                | Q(user_permissions__in=permissions)
            )
            .distinct()
        )


register_permission_policy(Attempt, AttemptPolicy(Attempt))
register_permission_policy(QuestionRegrade, RegradeLogPolicy(QuestionRegrade))


# -- attempts and their grade history -----------------------------------------------------------


def _yes_no(value) -> str:
    if value is None:
        return "—"
    return _("是") if value else _("否")


def _number(value) -> str:
    return "—" if value is None else f"{value}"


def grade_history(attempt: Attempt) -> list[dict]:
    """Each grading and regrade of `attempt`, newest first: when, who, why, what changed."""
    events = []
    records = list(attempt.history.select_related("history_user").order_by("history_date"))
    previous = None
    for record in records:
        if previous is not None:
            changes = []
            for name, label in (
                ("status", _("状态")),
                ("score", _("得分")),
                ("percent", _("得分率")),
                ("passed", _("通过")),
            ):
                old, new = getattr(previous, name), getattr(record, name)
                if old == new:
                    continue
                if name == "passed":
                    old, new = _yes_no(old), _yes_no(new)
                elif name == "status":
                    old, new = AttemptStatus(old).label, AttemptStatus(new).label
                changes.append(f"{label}：{_number(old)} → {_number(new)}")
            if changes:
                events.append(_event(record, _("整卷"), changes))
        previous = record

    answers = (
        AttemptAnswer.history.filter(attempt_id=attempt.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = None
    for record in answers:
        regraded = (
            previous is not None
            and previous.id == record.id
            and (previous.is_correct, previous.score) != (record.is_correct, record.score)
        )
        if regraded:
            events.append(
                _event(
                    record,
                    _("第 %(n)s 题") % {"n": record.position},
                    [
                        _("正确：%(old)s → %(new)s")
                        % {"old": _yes_no(previous.is_correct), "new": _yes_no(record.is_correct)},
                        _("得分：%(old)s → %(new)s")
                        % {"old": _number(previous.score), "new": _number(record.score)},
                    ],
                )
            )
        previous = record
    events.sort(key=lambda e: e["date"], reverse=True)
    return events


def _event(record, subject: str, changes: list[str]) -> dict:
    return {
        "date": record.history_date,
        "user": get_user_display_name(record.history_user) if record.history_user else "—",
        "reason": record.history_change_reason or "",
        "subject": subject,
        "changes": "；".join(changes),
    }


class AttemptFilterSet(WagtailFilterSet):
    exam = django_filters.ModelChoiceFilter(
        label=gettext_lazy("考试"), queryset=Exam.objects.order_by("course__title", "title")
    )
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=AttemptStatus.choices)
    passed = django_filters.BooleanFilter(label=gettext_lazy("通过"))
    question = django_filters.NumberFilter(
        label=gettext_lazy("含题目（编号）"), method="filter_question"
    )

    class Meta:
        model = Attempt
        fields = ["exam", "status", "passed"]

    def filter_question(self, queryset, name, value):
        return queryset.filter(
            pk__in=AttemptAnswer.objects.filter(question_id=value).values("attempt_id")
        )


class AttemptIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            scope_for(self.request.user)
            .attempts()
            .select_related("member", "exam__course")
            .order_by("-started_at", "-pk")
        )


class AttemptInspectView(generic.InspectView):
    template_name = "lms/admin/attempt_inspect.html"
    fields = [
        "member",
        "exam",
        "number",
        "status",
        "started_at",
        "deadline",
        "submitted_at",
        "score",
        "max_score",
        "percent",
        "passed",
        "regraded_at",
    ]

    def get_object(self, queryset=None):
        attempts = scope_for(self.request.user).attempts().select_related("member", "exam")
        return get_object_or_404(attempts, pk=self.pk)

    def get_passed_display_value(self):
        return _yes_no(self.object.passed)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        answers = list(self.object.answers.select_related("question").order_by("position"))
        for answer in answers:
            letters = OPTION_LETTERS
            if answer.question.type == QuestionType.TRUE_FALSE:
                labels = ["正确", "错误"]
                answer.response_display = "、".join(
                    labels[i] for i in (answer.response or []) if 0 <= i < 2
                )
            else:
                answer.response_display = "".join(
                    letters[i] for i in sorted(answer.response or []) if 0 <= i < len(letters)
                )
        context["answers"] = answers
        context["history"] = grade_history(self.object)
        return context


class AttemptViewSet(ModelViewSet):
    name = "lms_attempt"
    url_prefix = "lms/attempts"
    model = Attempt
    icon = "doc-full"
    menu_label = gettext_lazy("作答记录")
    menu_order = 100
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = AttemptIndexView
    inspect_view_class = AttemptInspectView
    # Refused to everyone by the policy; looked up in the scope first all the same, so that
    # they cannot tell someone outside it which attempts exist.
    delete_view_class = scoped(ScopedDeleteView, "attempts")
    history_view_class = scoped(ScopedLogHistoryView, "attempts")
    usage_view_class = scoped(ScopedUsageView, "attempts")
    form_fields = []  # never edited by hand (the policy allows only "view")
    filterset_class = AttemptFilterSet
    search_fields = ["member__name", "member__name_pinyin", "exam__title"]
    search_backend_name = None
    list_display = [
        TitleColumn(
            "member",
            label=gettext_lazy("队员"),
            accessor="member.name",
            url_name="lms_attempt:inspect",
        ),
        Column("exam", label=gettext_lazy("考试"), accessor="exam.title"),
        Column("number", label=gettext_lazy("第几次")),
        Column("status", label=gettext_lazy("状态"), accessor="get_status_display"),
        Column("score", label=gettext_lazy("得分")),
        Column("percent", label=gettext_lazy("得分率")),
        BooleanColumn("passed", label=gettext_lazy("通过")),
        DateColumn("submitted_at", label=gettext_lazy("交卷时间")),
        DateColumn("regraded_at", label=gettext_lazy("重新评分时间")),
    ]


# -- the regrade log ------------------------------------------------------------------------------


class RegradeIndexView(generic.IndexView):
    def get_base_queryset(self):
        return QuestionRegrade.objects.select_related("question", "regraded_by").order_by(
            "-regraded_at"
        )


class RegradeInspectView(generic.InspectView):
    template_name = "lms/admin/regrade_inspect.html"
    fields = [
        "question",
        "old_answer",
        "new_answer",
        "reason",
        "regraded_by",
        "regraded_at",
        "attempts_total",
        "attempts_changed",
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if may_read_attempts(self.request.user):
            context["attempts_url"] = (
                f"{reverse('lms_attempt:index')}?question={self.object.question_id}"
            )
        return context


class QuestionRegradeViewSet(ModelViewSet):
    name = "lms_question_regrade"
    url_prefix = "lms/regrades"
    model = QuestionRegrade
    icon = "history"
    menu_label = gettext_lazy("重新评分记录")
    menu_order = 200
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = RegradeIndexView
    inspect_view_class = RegradeInspectView
    form_fields = []  # a log: never edited by hand
    search_fields = ["question__stem", "reason"]
    search_backend_name = None
    list_display = [
        TitleColumn(
            "question",
            label=gettext_lazy("题目"),
            accessor="question",
            url_name="lms_question_regrade:inspect",
        ),
        Column(
            "answers",
            label=gettext_lazy("答案更正"),
            accessor=lambda r: f"{r.old_answer} → {r.new_answer}",
        ),
        Column("attempts_total", label=gettext_lazy("涉及作答")),
        Column("attempts_changed", label=gettext_lazy("成绩变化")),
        Column(
            "regraded_by",
            label=gettext_lazy("操作人"),
            accessor=lambda r: get_user_display_name(r.regraded_by),
        ),
        DateColumn("regraded_at", label=gettext_lazy("时间")),
        Column("reason", label=gettext_lazy("原因")),
    ]


class ExamRecordsGroup(ViewSetGroup):
    menu_label = gettext_lazy("考试记录")
    menu_icon = "doc-full"
    menu_order = 145
    items = (AttemptViewSet, QuestionRegradeViewSet)


@hooks.register("register_admin_viewset")
def register_exam_records():
    return ExamRecordsGroup()


# -- "更正答案并重新评分" -------------------------------------------------------------------------


class RegradeForm(forms.Form):
    new_answer = forms.CharField(
        label=gettext_lazy("正确答案"),
        max_length=12,
        help_text=gettext_lazy("填写选项字母，如 B 或 ACD；判断题 A 为正确、B 为错误。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("更正原因"),
        max_length=MAX_REASON_LENGTH,
        help_text=gettext_lazy("会记入重新评分记录和每条成绩的变更历史。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_new_answer(self):
        text = self.cleaned_data["new_answer"].strip().upper()
        for separator in (",", "，", "、", " ", ";", "；"):
            text = text.replace(separator, "")
        return text


def _regrade_url(question) -> str:
    return reverse("lms_exams:question_regrade", args=[question.pk])


@method_decorator(never_cache, name="dispatch")
class QuestionRegradeView(WagtailAdminTemplateMixin, View):
    page_title = gettext_lazy("更正答案并重新评分")
    header_icon = "history"
    template_name = "lms/admin/question_regrade.html"

    def dispatch(self, request, pk):
        if not may_regrade(request.user):
            raise PermissionDenied
        self.question = get_object_or_404(Question.objects.select_related("category"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.question)

    def get_breadcrumbs_items(self):
        viewset = Question.snippet_viewset
        return [
            *self.breadcrumbs_items,
            {"url": reverse(viewset.get_url_name("list")), "label": _("题库")},
            {
                "url": reverse(viewset.get_url_name("edit"), args=[self.question.pk]),
                "label": str(self.question),
            },
            {"url": "", "label": self.page_title},
        ]

    def get(self, request, pk):
        return self._page(RegradeForm(initial={"new_answer": self.question.answer}))

    def post(self, request, pk):
        form = RegradeForm(request.POST)
        if form.is_valid():
            try:
                regrade = question_answer_correct(
                    question=self.question,
                    new_answer=form.cleaned_data["new_answer"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                field = error.field if error.field == "reason" else "new_answer"
                form.add_error(field, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "已将答案由 %(old)s 更正为 %(new)s 并重新评分："
                        "涉及 %(total)s 次作答，其中 %(changed)s 次成绩发生变化。"
                    )
                    % {
                        "old": regrade.old_answer,
                        "new": regrade.new_answer,
                        "total": regrade.attempts_total,
                        "changed": regrade.attempts_changed,
                    },
                )
                return redirect("lms_question_regrade:inspect", regrade.pk)
        return self._page(form)

    def _page(self, form):
        question = self.question
        letters = OPTION_LETTERS
        used = AttemptAnswer.objects.filter(question=question)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                question=question,
                options=list(zip(letters, question.options, strict=False)),
                graded_attempts=used.exclude(attempt__status=AttemptStatus.OPEN)
                .values("attempt_id")
                .distinct()
                .count(),
                open_attempts=used.filter(attempt__status=AttemptStatus.OPEN)
                .values("attempt_id")
                .distinct()
                .count(),
                regrades=QuestionRegrade.objects.filter(question=question)
                .select_related("regraded_by")
                .order_by("-regraded_at")[:10],
            )
        )


urlpatterns = [
    path("questions/<int:pk>/regrade/", QuestionRegradeView.as_view(), name="question_regrade"),
]


@hooks.register("register_admin_urls")
def register_exam_urls():
    return [path("lms/exams/", include((urlpatterns, "lms_exams"), namespace="lms_exams"))]


@hooks.register("register_snippet_listing_buttons")
def question_regrade_listing_button(snippet, user, next_url=None):
    if isinstance(snippet, Question) and may_regrade(user):
        yield Button(
            _("更正答案并重新评分"), url=_regrade_url(snippet), icon_name="history", priority=60
        )


class RegradeMenuItem(ActionMenuItem):
    name = "action-regrade"
    label = gettext_lazy("更正答案并重新评分")
    icon_name = "history"
    order = 90

    def is_shown(self, context):
        return context.get("view") == "edit" and may_regrade(context["request"].user)

    def get_url(self, parent_context):
        return _regrade_url(parent_context["instance"])


@hooks.register("register_snippet_action_menu_item")
def question_regrade_action(model):
    if model is Question:
        return RegradeMenuItem()
    return None
