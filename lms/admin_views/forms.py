"""Admin forms for records, limited to what the signed-in person may touch."""

from django import forms

from wagtail.admin.forms import WagtailAdminModelForm

from lms.models import (
    Area,
    AreaLevel,
    InsurancePolicy,
    Member,
    Team,
    TeamDocument,
    TeamEquipment,
)
from lms.scope import scope_for


class MemberForm(WagtailAdminModelForm):
    class Meta:
        model = Member
        fields = [
            "team",
            "name",
            "gender",
            "birth_date",
            "phone",
            "id_number",
            "category",
            "joined_on",
            "left_on",
            "skills",
            "user",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for(for_user)
        self.fields["team"].queryset = scope.managed_teams().select_related("community")
        editing = self.instance.pk is not None
        # The full ID number reaches the page only for people allowed to read it.
        if editing and not scope.may_view_id_number(self.instance):
            del self.fields["id_number"]
        if "user" in self.fields and not scope.is_area_admin:
            del self.fields["user"]


class TeamForm(WagtailAdminModelForm):
    class Meta:
        model = Team
        fields = [
            "community",
            "name",
            "founded_on",
            "leader",
            "deputy",
            "phone",
            "status",
            "registration_number",
            "registered_on",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for(for_user)
        communities = scope.areas().filter(depth=AreaLevel.COMMUNITY)
        if self.instance.pk:
            communities = communities.filter(team__isnull=True) | Area.objects.filter(
                pk=self.instance.community_id
            )
            members = self.instance.members.active()
        else:
            communities = communities.filter(team__isnull=True)
            members = Member.objects.none()
        self.fields["community"].queryset = communities
        for role in ("leader", "deputy"):
            self.fields[role].queryset = members
        if not scope.is_area_admin:
            # A leader keeps their team's details, not where it stands or who leads it.
            for name in ("community", "leader", "deputy", "status"):
                self.fields[name].disabled = True


class PolicyForm(WagtailAdminModelForm):
    class Meta:
        model = InsurancePolicy
        fields = [
            "team",
            "insurer",
            "policy_number",
            "starts_on",
            "ends_on",
            "members",
            "document",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for(for_user)
        self.fields["team"].queryset = scope.managed_teams()
        self.fields["members"].queryset = scope.members().filter(team__in=scope.managed_teams())


class ManagedTeamForm(WagtailAdminModelForm):
    """A record that belongs to one team: the team is one the user manages."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["team"].queryset = scope_for(for_user).managed_teams()


class TeamDocumentForm(ManagedTeamForm):
    class Meta:
        model = TeamDocument
        fields = ["team", "kind", "title", "file", "effective_on"]


class TeamEquipmentForm(ManagedTeamForm):
    class Meta:
        model = TeamEquipment
        fields = ["team", "item", "quantity", "checked_on", "notes"]


class AreaFilterField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}"
