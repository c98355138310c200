"""The question bank's spreadsheet screens in the Wagtail admin: import, export, template.

They are routed by the question viewset (courses.viewsets.QuestionViewSet), so Wagtail's
admin URL wrapper already requires a signed-in user with admin access; the model
permissions of the bank decide the rest (trainers, reviewers and superusers hold them).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy

import django_filters

from cms.errors import DomainError
from cms.spreadsheets import xlsx_response
from cms.uploads import validate_spreadsheet

from .models import CoursePage, Difficulty, Question, QuestionCategory, QuestionType
from .question_bank import (
    MAX_DATA_ROWS,
    MAX_FILE_BYTES,
    questions_import,
    questions_template,
    questions_workbook,
)

permission_policy = ModelPermissionPolicy(Question)
BANK_ACTIONS = {"add", "change", "delete", "view"}


class QuestionFilterSet(WagtailFilterSet):
    """The list filters of the bank; the export applies the same ones to the same query string."""

    type = django_filters.ChoiceFilter(label=gettext_lazy("题型"), choices=QuestionType.choices)
    category = django_filters.ModelChoiceFilter(
        label=gettext_lazy("分类"), queryset=QuestionCategory.objects.order_by("name")
    )
    difficulty = django_filters.ChoiceFilter(label=gettext_lazy("难度"), choices=Difficulty.choices)
    course = django_filters.ModelChoiceFilter(
        label=gettext_lazy("所属课程"), queryset=CoursePage.objects.order_by("path")
    )
    active = django_filters.BooleanFilter(label=gettext_lazy("启用"))

    class Meta:
        model = Question
        fields = ["type", "category", "difficulty", "course", "active"]


def filtered_questions(params, queryset=None):
    """The questions the bank list shows for `params` (its filters and its search box)."""
    queryset = Question.objects.all() if queryset is None else queryset
    filters = QuestionFilterSet(params, queryset=queryset)
    if filters.is_valid():
        queryset = filters.qs
    query = (params.get("q") or "").strip()
    if query:
        queryset = queryset.filter(stem__icontains=query)
    return queryset


def _url(name: str) -> str:
    return reverse(Question.snippet_viewset.get_url_name(name))


def _require(request, actions: set[str]) -> None:
    if not permission_policy.user_has_any_permission(request.user, actions):
        raise PermissionDenied


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("题库文件"),
        validators=[validate_spreadsheet],
        help_text=gettext_lazy("Excel .xlsx 文件，不超过 5 MB、2000 道题；请使用下载的模板填写。"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件超过 5 MB：请拆成几个文件分别导入。"))
        return file


@method_decorator(never_cache, name="dispatch")
class QuestionImportView(WagtailAdminTemplateMixin, View):
    page_title = gettext_lazy("导入题库")
    header_icon = "upload"
    template_name = "courses/admin/question_import.html"
    result_template_name = "courses/admin/question_import_result.html"

    def dispatch(self, request, *args, **kwargs):
        # Importing adds questions and may update existing ones.
        _require(request, {"add"})
        if not permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": _url("list"), "label": Question._meta.verbose_name_plural},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request):
        return self._form_page(QuestionImportForm())

    def post(self, request):
        form = QuestionImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._form_page(form)
        upload = form.cleaned_data["file"]
        try:
            result = questions_import(data=upload.read(), by=request.user)
        except DomainError as error:
            if not error.errors:  # the file as a whole: say so next to the file field
                form.add_error("file", error.message)
                return self._form_page(form)
            return self._result_page(filename=upload.name, error=error)
        messages.success(
            request,
            _("题库已导入：新增 %(created)s 题，更新 %(updated)s 题，%(unchanged)s 题无变化。")
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return self._result_page(filename=upload.name, result=result)

    def _form_page(self, form):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                template_url=_url("template"),
                export_url=_url("export"),
                list_url=_url("list"),
                max_rows=MAX_DATA_ROWS,
            )
        )

    def _result_page(self, *, filename, result=None, error=None):
        self.page_subtitle = _("未导入") if error else _("导入结果")
        self.template_name = self.result_template_name
        return self.render_to_response(
            self.get_context_data(
                filename=filename,
                result=result,
                error=error,
                import_url=_url("import"),
                list_url=_url("list"),
            )
        )


@never_cache
def questions_template_download(request):
    """The blank bank template with example rows and instructions."""
    _require(request, BANK_ACTIONS)
    return xlsx_response(questions_template(), _("题库导入模板.xlsx"))


@never_cache
def questions_export(request):
    """The bank as .xlsx, filtered as the list is (same query string)."""
    _require(request, BANK_ACTIONS)
    data = questions_workbook(filtered_questions(request.GET))
    return xlsx_response(data, _("题库-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"})
