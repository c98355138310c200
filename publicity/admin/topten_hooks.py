"""Admin: announcing the top ten (十佳评选) from the ranking, and withdrawing an announcement.

Who may do what (lms.scope): every area administrator sees the announced lists (they are
public); the region's administrators announce and withdraw the region's list, a city's
administrators (or the region's) the city's. A county administrator only reads; a team
leader or member gets a 404. Every write goes through publicity.services.topten.
"""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.models import Area, AreaLevel
from lms.scope import Scope, scope_for
from lms.selectors.ranking import EXCLUSIONS, FORMULA, ranking_exclusions, ranking_years, top_teams
from publicity.errors import DomainError
from publicity.models import TopTenIndexPage, TopTenSelection
from publicity.services.topten import top_ten_announce, top_ten_withdraw

URL_NAME = "publicity_topten"


def announceable_areas(scope: Scope):
    """The region and the cities whose top ten the user may announce (scope.administers)."""
    areas = Area.objects.filter(depth__in=[AreaLevel.REGION, AreaLevel.CITY]).order_by("path")
    if scope.is_global:
        return areas
    return areas.filter(pk__in=[a.pk for a in areas if scope.administers(a)])


def _year_choices() -> list[tuple[int, str]]:
    this_year = timezone.localdate().year
    years = sorted({y for y in ranking_years() if y <= this_year} | {this_year}, reverse=True)
    return [(y, _("%(year)s 年度") % {"year": y}) for y in years]


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area):
        if area.depth == AreaLevel.REGION:
            return _("全区（%(name)s）") % {"name": area.name}
        return area.name


class AnnounceForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    area = AreaChoiceField(
        label=gettext_lazy("范围"), queryset=Area.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=gettext_lazy("公告说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("可选，显示在公开页面的名单上方。"),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices()
        self.fields["area"].queryset = areas


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤回原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("记入管理后台的操作日志。"),
        error_messages={"required": gettext_lazy("请填写撤回的原因。")},
    )


def public_index() -> TopTenIndexPage | None:
    """The public top-ten section in Chinese (the default site language)."""
    pages = TopTenIndexPage.objects.live()
    return pages.filter(locale__language_code="zh-hans").first() or pages.first()


def public_url(index: TopTenIndexPage | None, selection: TopTenSelection) -> str | None:
    """Where the public reads the selection, if the section exists."""
    base = index.url if index is not None else None
    if not base:
        return None
    if selection.area.depth == AreaLevel.REGION:
        return base + index.reverse_subpage("year", args=[selection.year])
    return base + index.reverse_subpage("area", args=[selection.year, selection.area.code])


class TopTenAdminView(WagtailAdminTemplateMixin, View):
    header_icon = "thumbtack"

    def dispatch(self, request, *args, **kwargs):
        self.scope = scope_for(request.user)
        if not self.scope.is_area_admin:
            raise Http404
        self.areas = announceable_areas(self.scope)
        self.load(*args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, *args, **kwargs) -> None:
        """Look up what the view acts on; raise Http404 when it lies outside the scope."""

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": reverse(URL_NAME), "label": _("十佳评选")}]
        if not isinstance(self, TopTenIndexView):
            items.append({"url": "", "label": self.page_title})
        return items


@method_decorator(never_cache, name="dispatch")
class TopTenIndexView(TopTenAdminView):
    page_title = gettext_lazy("十佳评选")
    template_name = "publicity/admin/top_ten_index.html"

    def get(self, request):
        selections = list(
            TopTenSelection.objects.select_related("area", "announced_by").annotate(
                teams=Count("entries")
            )
        )
        index = public_index()
        rows = [
            {
                "selection": s,
                "public_url": public_url(index, s),
                "withdraw_url": reverse(f"{URL_NAME}_withdraw", args=[s.pk])
                if self.scope.administers(s.area)
                else None,
            }
            for s in selections
        ]
        context = self.get_context_data(
            rows=rows,
            announce_url=reverse(f"{URL_NAME}_announce") if self.areas.exists() else None,
            ranking_url=reverse("compliance_ranking"),
        )
        return self.render_to_response(context)


@method_decorator(never_cache, name="dispatch")
class TopTenAnnounceView(TopTenAdminView):
    """Choose a year and an area, see the live ranking, confirm: the list is frozen."""

    page_title = gettext_lazy("公布十佳")
    template_name = "publicity/admin/top_ten_announce.html"

    def load(self) -> None:
        if not self.areas.exists():  # a county administrator reads the lists only
            raise Http404

    def get(self, request):
        if "year" in request.GET:
            form = AnnounceForm(request.GET, areas=self.areas)
            if form.is_valid():
                return self._preview(form)
        else:
            form = AnnounceForm(areas=self.areas)
        return self.render_to_response(self.get_context_data(form=form, preview=False))

    def post(self, request):
        form = AnnounceForm(request.POST, areas=self.areas)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, preview=False))
        data = form.cleaned_data
        try:
            selection = top_ten_announce(
                year=data["year"], area=data["area"], user=request.user, note=data["note"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self._preview(form)
        messages.success(
            request,
            _("已公布%(area)s %(year)s 年度十佳社区响应队（%(n)s 支）。")
            % {"area": selection.area.name, "year": selection.year, "n": selection.entries.count()},
        )
        return redirect(URL_NAME)

    def _preview(self, form):
        year, area = form.cleaned_data["year"], form.cleaned_data["area"]
        confirm = AnnounceForm(
            initial={"year": year, "area": area, "note": form.cleaned_data.get("note", "")},
            areas=self.areas,
        )
        if form.errors:
            confirm = form
        for name in ("year", "area"):
            confirm.fields[name].widget = forms.HiddenInput()
        rows = top_teams(year, area)
        return self.render_to_response(
            self.get_context_data(
                form=confirm,
                preview=True,
                year=year,
                area=area,
                rows=rows,
                preview_rows=[(row, None) for row in rows],
                announced=TopTenSelection.objects.filter(year=year, area=area).exists(),
                formula=FORMULA,
                exclusions=EXCLUSIONS,
                counts=ranking_exclusions(year, area),
                back_url=reverse(f"{URL_NAME}_announce"),
            )
        )


@method_decorator(never_cache, name="dispatch")
class TopTenWithdrawView(TopTenAdminView):
    page_title = gettext_lazy("撤回十佳")
    template_name = "publicity/admin/top_ten_withdraw.html"

    def load(self, pk) -> None:
        self.selection = get_object_or_404(TopTenSelection.objects.select_related("area"), pk=pk)
        if not self.scope.administers(self.selection.area):
            raise Http404

    def get(self, request, pk):
        return self._page(WithdrawForm())

    def post(self, request, pk):
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                top_ten_withdraw(
                    selection=self.selection, user=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                messages.success(
                    request,
                    _("已撤回%(area)s %(year)s 年度十佳；可重新公布。")
                    % {"area": self.selection.area.name, "year": self.selection.year},
                )
                return redirect(URL_NAME)
        return self._page(form)

    def _page(self, form):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                selection=self.selection,
                entries=list(self.selection.entries.all()),
                public_url=public_url(public_index(), self.selection),
                index_url=reverse(URL_NAME),
            )
        )


# -- registration ---------------------------------------------------------------------


class TopTenMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_area_admin


@hooks.register("register_admin_urls")
def register_topten_urls():
    return [
        path("publicity/top-ten/", TopTenIndexView.as_view(), name=URL_NAME),
        path(
            "publicity/top-ten/announce/",
            TopTenAnnounceView.as_view(),
            name=f"{URL_NAME}_announce",
        ),
        path(
            "publicity/top-ten/<int:pk>/withdraw/",
            TopTenWithdrawView.as_view(),
            name=f"{URL_NAME}_withdraw",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_topten_menu_item():
    # Next to the live ranking (十佳队伍, order 245) under 达标评估.
    return TopTenMenuItem(
        gettext_lazy("十佳评选"), reverse_lazy(URL_NAME), icon_name="thumbtack", order=246
    )
