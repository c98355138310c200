"""What a signed-in person may see and change, worked out once per request.

Every view, export, admin screen and API endpoint asks the scope for its querysets
and looks objects up *within* them, so an object outside the scope is simply not
found (404), and ids cannot be probed.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .models import (
    Area,
    AreaAdministrator,
    Attempt,
    Certificate,
    CertificateJob,
    ComplianceSnapshot,
    Drill,
    Inspection,
    Instructor,
    InsurancePolicy,
    Member,
    ServiceRecord,
    Team,
    TeamDocument,
    TeamEquipment,
    TrainingPlan,
    TrainingSession,
    YearlyReport,
)
from .models.areas import subtree_filter

_CACHE_ATTR = "_lms_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_global: bool = False
    # Paths of the area subtrees the user administers.
    area_paths: tuple[str, ...] = ()
    # Teams the user leads (as leader or deputy).
    led_team_ids: frozenset[int] = field(default_factory=frozenset)
    member_id: int | None = None
    instructor_id: int | None = None
    # Subtrees in which the user may read full ID numbers (a permission per role).
    id_number_paths: tuple[str, ...] = ()

    # -- who is this --------------------------------------------------------------
    @property
    def is_area_admin(self) -> bool:
        return self.is_global or bool(self.area_paths)

    @property
    def is_leader(self) -> bool:
        return bool(self.led_team_ids)

    @property
    def manages_records(self) -> bool:
        """May change teams' rosters (area administrators and team leaders)."""
        return self.is_area_admin or self.is_leader

    def administers(self, area: Area) -> bool:
        """Whether `area` lies in a subtree the user administers."""
        return self.is_global or any(area.path.startswith(path) for path in self.area_paths)

    # -- what may be seen ---------------------------------------------------------
    def _subtree_q(self, prefix: str) -> Q:
        if not self.area_paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**subtree_filter(prefix, p)) for p in self.area_paths))

    def areas(self) -> QuerySet[Area]:
        if self.is_global:
            return Area.objects.all()
        q = self._subtree_q("")
        if self.led_team_ids:
            q |= Q(team__pk__in=self.led_team_ids)
        return Area.objects.filter(q)

    def teams(self) -> QuerySet[Team]:
        if self.is_global:
            return Team.objects.all()
        q = self._subtree_q("community__") | Q(pk__in=self.led_team_ids)
        if self.member_id:
            q |= Q(members__pk=self.member_id)
        return Team.objects.filter(q).distinct() if self.member_id else Team.objects.filter(q)

    def administered_teams(self) -> QuerySet[Team]:
        """Teams in the subtrees the user administers (not those they merely lead)."""
        if self.is_global:
            return Team.objects.all()
        return Team.objects.filter(self._subtree_q("community__"))

    def managed_teams(self) -> QuerySet[Team]:
        """Teams whose roster the user may change."""
        if self.is_global:
            return Team.objects.all()
        return Team.objects.filter(self._subtree_q("community__") | Q(pk__in=self.led_team_ids))

    def members(self) -> QuerySet[Member]:
        if self.is_global:
            return Member.objects.all()
        q = self._subtree_q("team__community__") | Q(team_id__in=self.led_team_ids)
        if self.member_id:
            q |= Q(pk=self.member_id)
        return Member.objects.filter(q)

    def policies(self) -> QuerySet[InsurancePolicy]:
        """Policies list insured people: only those who manage the team see them."""
        return InsurancePolicy.objects.filter(team__in=self.managed_teams())

    def documents(self) -> QuerySet[TeamDocument]:
        """A team's rules are for its members too."""
        return TeamDocument.objects.filter(team__in=self.teams())

    def managed_documents(self) -> QuerySet[TeamDocument]:
        return TeamDocument.objects.filter(team__in=self.managed_teams())

    def equipment(self) -> QuerySet[TeamEquipment]:
        return TeamEquipment.objects.filter(team__in=self.managed_teams())

    def instructors(self) -> QuerySet[Instructor]:
        """Instructors serving an area inside the user's subtree or above it (serving it)."""
        if self.is_global:
            return Instructor.objects.all()
        q = Q(pk=self.instructor_id) if self.instructor_id else Q(pk__in=[])
        paths = list(self.area_paths)
        if self.led_team_ids:
            paths += list(
                Area.objects.filter(team__pk__in=self.led_team_ids).values_list("path", flat=True)
            )
        for path in paths:
            ancestors = [path[:i] for i in range(Area.steplen, len(path) + 1, Area.steplen)]
            q |= Q(**subtree_filter("areas__", path)) | Q(areas__path__in=ancestors)
        return Instructor.objects.filter(q).distinct()

    # -- learning, drills, hours ----------------------------------------------------
    def attempts(self) -> QuerySet[Attempt]:
        """Attempts whose results the user may read (taking one is for its member only)."""
        if self.is_global:
            return Attempt.objects.all()
        return Attempt.objects.filter(member__in=self.members())

    def own_attempts(self) -> QuerySet[Attempt]:
        """Attempts the user may open and answer: their own, never anyone else's."""
        return (
            Attempt.objects.filter(member_id=self.member_id)
            if self.member_id
            else Attempt.objects.none()
        )

    def certificates(self) -> QuerySet[Certificate]:
        """Certificates the user may read and download: their own, their team's (leaders),
        their subtree's (administrators)."""
        if self.is_global:
            return Certificate.objects.all()
        return Certificate.objects.filter(member__in=self.members())

    def managed_certificates(self) -> QuerySet[Certificate]:
        """Certificates the user may issue, re-issue and revoke: area administrators only."""
        if self.is_global:
            return Certificate.objects.all()
        return Certificate.objects.filter(self._subtree_q("member__team__community__"))

    def certificate_jobs(self) -> QuerySet[CertificateJob]:
        if self.is_global:
            return CertificateJob.objects.all()
        return CertificateJob.objects.filter(
            self._subtree_q("team__community__") | self._subtree_q("area__")
        )

    # -- compliance -------------------------------------------------------------------
    def snapshots(self) -> QuerySet[ComplianceSnapshot]:
        """Compliance results of the teams the user leads or administers (members: none)."""
        return ComplianceSnapshot.objects.filter(team__in=self.managed_teams())

    def inspections(self) -> QuerySet[Inspection]:
        """Inspections of counties inside the user's subtrees (or above them: a county
        administrator sees their county's, a city's sees its counties')."""
        if self.is_global:
            return Inspection.objects.all()
        return Inspection.objects.filter(self._subtree_q("county__"))

    def reports(self) -> QuerySet[YearlyReport]:
        if self.is_global:
            return YearlyReport.objects.all()
        return YearlyReport.objects.filter(self._subtree_q("area__"))

    def drills(self) -> QuerySet[Drill]:
        """Drills of a team the user belongs to, leads or administers."""
        if self.is_global:
            return Drill.objects.all()
        return Drill.objects.filter(teams__in=self.teams()).distinct()

    def managed_drills(self) -> QuerySet[Drill]:
        """Drills the user may change: one of their led or administered teams takes part."""
        if self.is_global:
            return Drill.objects.all()
        return Drill.objects.filter(teams__in=self.managed_teams()).distinct()

    def sessions(self) -> QuerySet[TrainingSession]:
        """Training sessions organised in the user's areas, for their teams, or taught by them."""
        if self.is_global:
            return TrainingSession.objects.all()
        q = self._subtree_q("area__") | Q(teams__in=self.teams())
        if self.instructor_id:
            q |= Q(instructors__pk=self.instructor_id)
        return TrainingSession.objects.filter(q).distinct()

    def managed_sessions(self) -> QuerySet[TrainingSession]:
        """Sessions the user may change and take attendance at: organiser areas and teachers."""
        if self.is_global:
            return TrainingSession.objects.all()
        q = self._subtree_q("area__")
        if self.instructor_id:
            q |= Q(instructors__pk=self.instructor_id)
        return TrainingSession.objects.filter(q).distinct()

    def service_records(self) -> QuerySet[ServiceRecord]:
        if self.is_global:
            return ServiceRecord.objects.all()
        return ServiceRecord.objects.filter(member__in=self.members())

    def verifiable_service_records(self) -> QuerySet[ServiceRecord]:
        """Records the user may verify: their teams', never their own or ones they entered."""
        records = ServiceRecord.objects.filter(member__team__in=self.managed_teams())
        return records.exclude(entered_by_id=self.user_id).exclude(member__user_id=self.user_id)

    def plans(self) -> QuerySet[TrainingPlan]:
        """Plans of the user's areas: an area's plan is seen by it and every level above."""
        if self.is_global:
            return TrainingPlan.objects.all()
        return TrainingPlan.objects.filter(self._subtree_q("area__"))

    @property
    def can_view_id_numbers(self) -> bool:
        return self.is_global or bool(self.id_number_paths)

    def may_view_id_number(self, member: Member) -> bool:
        if self.is_global:
            return True
        if not self.id_number_paths:
            return False
        path = member.team.community.path
        return any(path.startswith(p) for p in self.id_number_paths)


ANONYMOUS = Scope(user_id=None)


def scope_for(user) -> Scope:
    """The scope of `user`, computed once and kept on the user object for the request."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(user_id=user.pk, is_global=True)
    else:
        roles = list(
            AreaAdministrator.objects.filter(user=user).values_list(
                "area__path", "can_view_id_numbers"
            )
        )
        member = Member.objects.filter(user=user).values("pk", "team_id").first()
        # From the member's id, not a join on the user: the leader and deputy columns are
        # indexed, while `leader__user=` makes the database read every team (0.1 s at the
        # region's 16,197 teams, on every request).
        led = (
            set(
                Team.objects.filter(
                    Q(leader_id=member["pk"]) | Q(deputy_id=member["pk"])
                ).values_list("pk", flat=True)
            )
            if member
            else set()
        )
        instructor_id = Instructor.objects.filter(user=user).values_list("pk", flat=True).first()
        scope = Scope(
            user_id=user.pk,
            area_paths=tuple(path for path, _can in roles),
            led_team_ids=frozenset(led),
            member_id=member["pk"] if member else None,
            instructor_id=instructor_id,
            id_number_paths=tuple(path for path, can in roles if can),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope
