"""The Wagtail admin screen where reviewers grant courses to trainers."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import (
    BooleanColumn,
    Column,
    DateColumn,
    TitleColumn,
    UpdatedAtColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import log
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms.roles import TRAINERS

from . import services, views_admin
from .errors import CourseError
from .models import CourseGrant, Difficulty, Exam, Question, QuestionCategory, SelectionMode


class CourseGrantForm(WagtailAdminModelForm):
    class Meta:
        model = CourseGrant
        fields = ["course", "user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=TRAINERS)
            .distinct()
            .order_by("username")
        )
        self.fields["user"].label_from_instance = _trainer_label
        self.fields["course"].queryset = self.fields["course"].queryset.order_by("path")


def _trainer_label(user) -> str:
    full_name = f"{user.last_name}{user.first_name}"  # Chinese order: family name first
    return f"{full_name}（{user.username}）" if full_name else user.get_username()


class ServiceFormMixin:
    """Saves through the service; its CourseError becomes a form error and nothing is saved."""

    log_action = ""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except CourseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def save_instance(self):
        grant = self.call_service(self.form.cleaned_data)
        log(instance=grant, action=self.log_action, user=self.request.user)
        return grant


class GrantCreateView(ServiceFormMixin, generic.CreateView):
    log_action = "wagtail.create"

    def call_service(self, data):
        return services.course_grant_create(
            course=data["course"], user=data["user"], granted_by=self.request.user
        )


class GrantEditView(ServiceFormMixin, generic.EditView):
    log_action = "wagtail.edit"

    def call_service(self, data):
        return services.course_grant_update(
            grant=self.object, course=data["course"], user=data["user"]
        )


class CourseGrantViewSet(ModelViewSet):
    name = "course_grants"
    url_prefix = "courses/grants"
    model = CourseGrant
    icon = "key"
    menu_label = _("课程编写授权")
    menu_order = 150
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("course"), FieldPanel("user")], base_form_class=CourseGrantForm
    )
    add_view_class = GrantCreateView
    edit_view_class = GrantEditView
    list_display = [
        TitleColumn("course", label=_("课程"), url_name="course_grants:edit"),
        Column("user", label=_("培训师")),
        Column("granted_by", label=_("授权人")),
        DateColumn("granted_at", label=_("授权时间")),
    ]
    list_filter = ["course", "user"]
    search_fields = ["course__title", "course__code", "user__username"]
    search_backend_name = None


# -- the question bank and exams ("题库与考试") ------------------------------------------------


class SubstringSearchForm(BaseFilterForm):
    """The chooser's search as a plain substring match on the viewset's search field, like
    the listing: predictable for Chinese, and no full-text query syntax to trip over
    (SQLite's FTS5 reads `javascript:` as a column name)."""

    q = forms.CharField(
        label=_("搜索"), widget=forms.TextInput(attrs={"placeholder": _("搜索")}), required=False
    )

    def __init__(self, *args, search_field: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_field = search_field

    def filter(self, objects):
        query = self.cleaned_data.get("q")
        if query:
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(**{f"{self.search_field}__icontains": query})
        return objects


class PermittedChooserMixin:
    """Wagtail's snippet chooser lists a model to anyone who reaches the admin; the bank's
    stems and exams are for those who may author them (trainers, reviewers). Others: 404."""

    def dispatch(self, request, *args, **kwargs):
        policy = self.model_class.snippet_viewset.permission_policy
        if not policy.user_has_any_permission(request.user, ["add", "change", "view"]):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_filter_form(self):
        search_field = self.model_class.snippet_viewset.search_fields[0]
        return SubstringSearchForm(self.request.GET, search_field=search_field)


class PermittedChooseView(PermittedChooserMixin, snippet_chooser.ChooseView):
    pass


class PermittedChooseResultsView(PermittedChooserMixin, snippet_chooser.ChooseResultsView):
    pass


class PermittedChosenView(PermittedChooserMixin, snippet_chooser.SnippetChosenView):
    pass


class PermittedChosenMultipleView(PermittedChooserMixin, snippet_chooser.SnippetChosenMultipleView):
    pass


class PermittedChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = PermittedChooseView
    choose_results_view_class = PermittedChooseResultsView
    chosen_view_class = PermittedChosenView
    chosen_multiple_view_class = PermittedChosenMultipleView


class QuestionIndexView(SnippetIndexView):
    """The bank list, with import and export (of what the filters show) in the header."""

    results_template_name = "courses/admin/question_index_results.html"

    def export_url(self) -> str:
        params = self.request.GET.copy()
        for key in ("p", "ordering", "_w_filter_fragment"):
            params.pop(key, None)
        url = reverse(Question.snippet_viewset.get_url_name("export"))
        return f"{url}?{params.urlencode()}" if params else url

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.user_has_permission("add"):
            buttons.append(
                HeaderButton(
                    _("导入题库"),
                    url=reverse(Question.snippet_viewset.get_url_name("import")),
                    icon_name="upload",
                    priority=20,
                )
            )
        buttons.append(
            HeaderButton(_("导出题库"), url=self.export_url(), icon_name="download", priority=30)
        )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_url"] = self.export_url()
        return context


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    chooser_viewset_class = PermittedChooserViewSet
    menu_label = _("题库")
    menu_order = 100
    index_view_class = QuestionIndexView
    filterset_class = views_admin.QuestionFilterSet
    # Plain substring search on the stem: predictable for Chinese and the same in the export.
    search_fields = ["stem"]
    search_backend_name = None
    copy_view_enabled = True
    list_per_page = 50
    list_display = [
        "__str__",
        "type",
        "category",
        "difficulty",
        Column("course", label=_("所属课程"), accessor="course.title"),
        BooleanColumn("active", label=_("启用")),
        UpdatedAtColumn(),
    ]

    def get_queryset(self, request):
        return Question.objects.select_related("category", "course")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", views_admin.QuestionImportView.as_view(), name="import"),
            path("export/", views_admin.questions_export, name="export"),
            path("template/", views_admin.questions_template_download, name="template"),
        ]


class QuestionCategoryViewSet(SnippetViewSet):
    model = QuestionCategory
    icon = "folder-inverse"
    menu_label = _("题目分类")
    menu_order = 200
    list_display = ["name", "description", Column("count", label=_("题目数量"))]
    search_fields = ["name"]
    search_backend_name = None

    def get_queryset(self, request):
        return QuestionCategory.objects.annotate(count=Count("questions"))


class ExamForm(WagtailAdminModelForm):
    """Refuses an exam that could not be sat: no questions, or draws the bank cannot fill."""

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        for message in self._paper_problems():
            self.add_error("selection", message)
        return not self.errors

    def _kept(self, name):
        formset = self.formsets.get(name)
        if formset is None:
            return []
        return [
            form.cleaned_data
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def _paper_problems(self) -> list[str]:
        selection = self.cleaned_data.get("selection")
        if selection == SelectionMode.FIXED:
            if not self._kept("fixed_questions"):
                return [gettext("组卷方式为固定题目时，请至少添加一道题目。")]
            return []
        rules = self._kept("draw_rules")
        if not rules:
            return [gettext("组卷方式为随机抽题时，请至少添加一条抽题规则。")]
        problems = []
        for rule in rules:
            category, difficulty, count = rule["category"], rule.get("difficulty"), rule["count"]
            available = Question.objects.active().filter(category=category)
            if difficulty:
                available = available.filter(difficulty=difficulty)
            have = available.count()
            if count < 1 or count > have:
                problems.append(
                    gettext(
                        "抽题规则“%(category)s%(difficulty)s”要抽 %(count)s 题，"
                        "题库中可用（已启用）的只有 %(have)s 题。"
                    )
                    % {
                        "category": category.name,
                        "difficulty": f"·{Difficulty(difficulty).label}" if difficulty else "",
                        "count": count,
                        "have": have,
                    }
                )
        return problems


class ExamViewSet(SnippetViewSet):
    model = Exam
    icon = "tasks"
    chooser_viewset_class = PermittedChooserViewSet
    menu_label = _("练习与考试")
    menu_order = 300
    list_display = [
        "title",
        "kind",
        Column("course", label=_("课程"), accessor="course.title"),
        "selection",
        Column("pass_mark", label=_("及格线")),
        Column("time_limit_minutes", label=_("限时（分钟）")),
        BooleanColumn("active", label=_("启用")),
    ]
    list_filter = ["kind", "course", "active"]
    search_fields = ["title"]
    search_backend_name = None
    edit_handler = ObjectList(Exam.panels, base_form_class=ExamForm)

    def get_queryset(self, request):
        return Exam.objects.select_related("course", "lesson")


class QuestionBankGroup(SnippetViewSetGroup):
    items = (QuestionViewSet, QuestionCategoryViewSet, ExamViewSet)
    menu_label = _("题库与考试")
    menu_icon = "help"
    menu_order = 140
