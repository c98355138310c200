"""The Wagtail admin screen where reviewers grant courses to trainers."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from cms.roles import TRAINERS

from . import services
from .errors import CourseError
from .models import CourseGrant


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
