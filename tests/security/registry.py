"""How to reach an object of the first county through each id-taking route, and who may.

`ROUTES` maps each route (its key in routes.py) to a `Case`: how to build the route's
parameters from the world (world.py), the method the route is for, who owns the object
(one positive request proves the route serves someone), and who must be refused. By
default the refused are the four outsiders — a member of another team, another team's
leader, another county's administrator and the anonymous visitor; cases add the insiders
who have no business there either (a teammate reading another member's certificate, a
leader opening the county's pages). An outsider left out must be excused, with the reason.

`ALLOWED` lists the id-taking routes that are open by design, each with the reason.
test_permissions.py fails on any id-taking route that is in neither.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

OUTSIDERS = ("other_member", "other_leader", "other_admin", "anonymous")
# An id that names nothing: what an outsider gets for an object that does not exist.
MISSING_INT = 987_654_321


@dataclass(frozen=True)
class Case:
    kind: str  # "url" (the URL configuration), "api" or "page" (a routable page's route)
    name: str  # the URL name, the API path, or the routable page's route name
    kwargs: Callable  # world -> the route's parameters, naming objects of the first county
    method: str = "get"
    data: Callable | None = None  # world -> the form fields or JSON body sent
    owner: str | None = None  # who is served (None: nobody, said in `why_no_owner`)
    owner_status: tuple[int, ...] = (200,)
    owner_kwargs: Callable | None = None  # when the owner's case needs another object
    outsiders: tuple[str, ...] = OUTSIDERS
    excused: dict[str, str] = field(default_factory=dict)  # outsider left out -> why
    page: Callable | None = None  # world -> the routable page (kind "page")
    why_no_owner: str = ""
    # Region-wide content (the question bank, the standard…) belongs to no county: Wagtail's
    # "no permission" is enough there, even though it tells an id that exists from one that
    # does not. A county's records must not tell (see test_permissions.refusal_problem).
    county_owned: bool = True

    def missing_kwargs(self, world) -> dict:
        """The parameters with every id replaced by one that names nothing."""
        return {k: MISSING_INT if isinstance(v, int) else v for k, v in self.kwargs(world).items()}

    def url(self, world, *, missing=False, kwargs=None) -> str:
        values = self.missing_kwargs(world) if missing else (kwargs or self.kwargs)(world)
        if self.kind == "api":
            return self.name.split(" ", 1)[1].format(**values)
        if self.kind == "page":
            page = self.page(world)
            return page.url + page.reverse_subpage(self.name.split(":", 1)[1], kwargs=values)
        return reverse(self.name, kwargs=values)

    def owner_url(self, world) -> str:
        return self.url(world, kwargs=self.owner_kwargs or self.kwargs)


ROUTES: dict[str, Case] = {}


def _add(key: str, case: Case) -> None:
    assert key not in ROUTES, f"{key} is mapped twice"
    ROUTES[key] = case


def url(name: str, kwargs: Callable, **options) -> None:
    _add(name, Case("url", name, kwargs, **options))


def api(key: str, kwargs: Callable, **options) -> None:
    _add(key, Case("api", key, kwargs, **options))


def page(key: str, page_of: Callable, kwargs: Callable, **options) -> None:
    _add(key, Case("page", key, kwargs, page=page_of, **options))


def plus(*extra: str) -> tuple[str, ...]:
    return OUTSIDERS + extra


# The kwargs of the first county's objects, by the parameter name the route uses.
def pk(attr: str, name: str = "pk") -> Callable:
    return lambda w: {name: getattr(w, attr).pk}


def team(name: str = "team_pk") -> Callable:
    return lambda w: {name: w.team.pk}


def county(name: str = "area_pk") -> Callable:
    return lambda w: {name: w.areas["qingxiu"].pk}


POSTED = (302,)  # an action that worked answers with a redirect (post/redirect/get)

# -- the learner's, leaders' and administrators' pages (/learn/, /records/) -----------------

url("team_document_download", pk("document"), owner="member")
url("policy_document_download", pk("policy"), owner="leader", outsiders=plus("teammate"))

for name in ("team_progress", "team_results", "team_activity"):
    url(f"learn:{name}", team(), owner="leader", outsiders=plus("teammate"))
url("learn:team_assign", team(), method="post", owner="leader", outsiders=plus("teammate"))
url("learn:team_certificates", team("pk"), owner="leader", outsiders=plus("teammate"))
url("learn:team_certificates_zip", team("pk"), owner="leader", outsiders=plus("teammate"))

for name in ("area_progress", "area_results", "area_activity"):
    url(f"learn:{name}", county(), owner="admin", outsiders=plus("leader"))
url("learn:area_assign", county(), method="post", owner="admin", outsiders=plus("leader"))
url("learn:area_certificates", county("pk"), owner="admin", outsiders=plus("leader"))
url("learn:area_certificates_zip", county("pk"), owner="admin", outsiders=plus("leader"))
url("learn:job", pk("assignment_job", "job_pk"), owner="admin", outsiders=plus("leader"))
url("learn:job_status", pk("assignment_job", "job_pk"), owner="admin", outsiders=plus("leader"))

# An attempt is its member's alone: their leader and administrator read results elsewhere.
NOT_MINE = plus("teammate", "leader", "admin")
url("learn:attempt", pk("open_attempt", "attempt_pk"), owner="member", outsiders=NOT_MINE)
url("learn:attempt_result", pk("attempt", "attempt_pk"), owner="member", outsiders=NOT_MINE)

# Drills: the team's members see them; its leaders and administrators change them.
url("learn:drill", pk("drill"), owner="member")
url("learn:drill_photo", lambda w: {"pk": w.drill.pk, "photo_pk": w.photo.pk}, owner="member")
for name in ("drill_edit", "drill_qr", "drill_qr_token"):
    url(f"learn:{name}", pk("drill"), owner="leader", outsiders=plus("teammate"))
url(
    "learn:drill_attendance",
    pk("drill"),
    method="post",
    owner="leader",
    outsiders=plus("teammate"),
)
url(
    "learn:drill_participation",
    lambda w: {"pk": w.drill.pk, "participation_pk": w.participation.pk},
    method="post",
    owner="leader",
    outsiders=plus("teammate"),
)
url("learn:drill_close", pk("drill"), method="post", owner="leader", outsiders=plus("teammate"))
url("learn:drill_cancel", pk("drill"), method="post", owner="leader", outsiders=plus("teammate"))
url(
    "learn:drill_photo_add",
    pk("drill"),
    method="post",
    owner="leader",
    owner_status=POSTED,
    outsiders=plus("teammate"),
)

# Sessions: organised by the county; its teams' members see them, its administrators run them.
url("learn:session", pk("session"), owner="member")
MANAGERS_ONLY = plus("teammate", "leader")
for name in ("session_edit", "session_qr", "session_qr_token"):
    url(f"learn:{name}", pk("session"), owner="admin", outsiders=MANAGERS_ONLY)
for name in ("session_attendance", "session_close", "session_cancel"):
    url(
        f"learn:{name}",
        pk("session"),
        method="post",
        owner="admin",
        owner_status=(200, 302),
        outsiders=MANAGERS_ONLY,
    )
url(
    "learn:session_attendance_remove",
    lambda w: {"pk": w.session.pk, "attendance_pk": w.attendance.pk},
    method="post",
    owner="admin",
    outsiders=MANAGERS_ONLY,
)

# Hours the member entered: theirs to correct while pending; others verify them.
url(
    "learn:hours_edit",
    pk("service_record", "record_pk"),
    owner="member",
    outsiders=plus("teammate", "leader"),
)
url(
    "learn:hours_delete",
    pk("service_record", "record_pk"),
    method="post",
    owner="member",
    owner_status=POSTED,
    outsiders=plus("teammate", "leader"),
)
for name in ("hours_verify_one", "hours_reject"):
    url(
        f"learn:{name}",
        pk("service_record", "record_pk"),
        method="post",
        data=lambda w: {"reason": "时长有误"},
        owner="leader",
        owner_status=POSTED,
        outsiders=plus("teammate"),
    )

# Training plans are the county's.
url("learn:plan", pk("plan", "plan_pk"), owner="admin", outsiders=plus("leader"))
url(
    "learn:plan_edit", pk("plan", "plan_pk"), method="post", owner="admin", outsiders=plus("leader")
)
url(
    "learn:plan_item_add",
    pk("plan", "plan_pk"),
    method="post",
    owner="admin",
    outsiders=plus("leader"),
)
url(
    "learn:plan_item_edit",
    pk("plan_item", "item_pk"),
    method="post",
    owner="admin",
    outsiders=plus("leader"),
)
url(
    "learn:plan_item_delete",
    pk("plan_item", "item_pk"),
    method="post",
    owner="admin",
    owner_status=POSTED,
    outsiders=plus("leader"),
)

# Certificates: the holder, their leader and administrators read; administrators act.
url("learn:certificate", pk("certificate"), owner="member", outsiders=plus("teammate"))
url("learn:certificate_download", pk("certificate"), owner="member", outsiders=plus("teammate"))
for name in ("certificate_revoke", "certificate_reissue"):
    url(
        f"learn:{name}",
        pk("certificate"),
        method="post",
        data=lambda w: {"reason": "信息有误"},
        owner="admin",
        owner_status=POSTED,
        outsiders=plus("teammate", "leader", "member"),
    )
for name in ("certificate_job", "certificate_job_status"):
    url(f"learn:{name}", pk("certificate_job"), owner="admin", outsiders=plus("leader"))

# Yearly reports: the county's administrators.
for name in ("report", "report_status", "report_pdf", "report_xlsx"):
    url(f"learn:{name}", pk("report"), owner="admin", outsiders=plus("leader"))

# Leaders' drafts of their team's public page and stories (publicity/views/leader.py).
url("publicity:team_page", team(), owner="leader", outsiders=plus("teammate"))
url("publicity:team_stories", team(), owner="leader", outsiders=plus("teammate"))
url("publicity:story_new", team(), owner="leader", outsiders=plus("teammate"))
url(
    "publicity:story_edit",
    lambda w: {"team_pk": w.team.pk, "page_pk": w.story.pk},
    owner="leader",
    outsiders=plus("teammate"),
)

# -- the JSON API ---------------------------------------------------------------------------

api("GET /api/v1/areas/{area_id}", county("area_id"), owner="admin")
api(
    "GET /api/v1/areas/{area_id}/compliance",
    county("area_id"),
    owner="admin",
    outsiders=plus("leader"),
)
api("GET /api/v1/teams/{team_id}", team("team_id"), owner="member")
api("GET /api/v1/teams/{team_id}/members", team("team_id"), owner="leader")
api(
    "GET /api/v1/teams/{team_id}/compliance",
    team("team_id"),
    owner="leader",
    outsiders=plus("teammate"),
)
api(
    "GET /api/v1/members/{member_id}",
    pk("member_record", "member_id"),
    owner="member",
    outsiders=plus("teammate"),
)
api(
    "PATCH /api/v1/members/{member_id}",
    pk("member_record", "member_id"),
    method="patch",
    data=lambda w: {"phone": "13900000000"},
    owner="leader",
    outsiders=plus("teammate", "member"),
)
api("GET /api/v1/instructors/{instructor_id}", pk("instructor", "instructor_id"), owner="leader")
api(
    "GET /api/v1/certificates/{certificate_id}",
    pk("certificate", "certificate_id"),
    owner="member",
    outsiders=plus("teammate"),
)
api(
    "GET /api/v1/attempts/{attempt_id}",
    pk("open_attempt", "attempt_id"),
    owner="member",
    outsiders=NOT_MINE,
)
api(
    "PUT /api/v1/attempts/{attempt_id}/answers/{position}",
    lambda w: {"attempt_id": w.open_attempt.pk, "position": 1},
    method="put",
    data=lambda w: {"choices": [1]},
    owner="member",
    outsiders=NOT_MINE,
)
api(
    "POST /api/v1/attempts/{attempt_id}/submit",
    pk("open_attempt", "attempt_id"),
    method="post",
    owner="member",
    outsiders=NOT_MINE,
)
api(
    "GET /api/v1/attempts/{attempt_id}/result",
    pk("attempt", "attempt_id"),
    owner="member",
    outsiders=NOT_MINE,
)
api(
    "POST /api/v1/hours/{record_id}/verify",
    pk("service_record", "record_id"),
    method="post",
    owner="leader",
    outsiders=plus("teammate"),
)
api(
    "POST /api/v1/hours/{record_id}/reject",
    pk("service_record", "record_id"),
    method="post",
    data=lambda w: {"reason": "时长有误"},
    owner="leader",
    outsiders=plus("teammate"),
)

# -- routable pages: the contest's entries before they are approved ---------------------------

page(
    "ContestPage:entry",
    lambda w: w.contest,
    pk("entry"),
    owner="anonymous",
    owner_kwargs=pk("approved_entry"),
)
page("ContestPage:video", lambda w: w.contest, pk("entry"), owner="reviewer")
page(
    "ContestPage:vote",
    lambda w: w.contest,
    pk("entry"),
    method="post",
    owner="member",
    owner_status=POSTED,
    owner_kwargs=pk("approved_entry"),
)

# -- the Wagtail admin: our hook views and the viewsets of our models -------------------------

url("compliance_area", county("pk"), owner="admin", outsiders=plus("leader"))
url("compliance_team", team("pk"), owner="admin", outsiders=plus("teammate"))
url(
    "publicity_topten_withdraw",
    pk("selection"),
    owner="city_admin",
    outsiders=plus("admin", "leader"),
)
# Contest entries are for the contest's reviewers and judges, whatever team they show.
CONTEST_STAFF_ONLY = plus("admin", "leader")
url("publicity_contest:entry", pk("entry"), owner="reviewer", outsiders=CONTEST_STAFF_ONLY)
url("publicity_contest:video", pk("entry"), owner="reviewer", outsiders=CONTEST_STAFF_ONLY)
url(
    "publicity_contest:judge",
    pk("entry"),
    owner="judge",
    owner_kwargs=pk("approved_entry"),  # judges score approved entries only
    outsiders=CONTEST_STAFF_ONLY,
)


def viewset(namespace: str, attr: str, views: dict[str, dict], **common) -> None:
    """The object views of one admin viewset: view name -> its options (added to `common`)."""
    for view, options in views.items():
        url(f"{namespace}:{view}", pk(attr), **{**common, **options})


# Wagtail's generic views: an edit form posted empty is shown again with its errors (200);
# a delete is confirmed on GET and done on POST.
EDIT = {"method": "post"}
DELETE = {"method": "post", "owner": "superuser", "owner_status": POSTED}
READ_ONLY = (
    "read-only in the admin: the viewset's permission policy refuses this view to everyone, "
    "superusers included (the records are written by the services and /learn/ pages)"
)
DEAD = {"owner": None, "why_no_owner": READ_ONLY}
DEAD_POST = {"method": "post", **DEAD}


TEAM_RECORD = plus("teammate")


def records(namespace: str, attr: str, manager: str, outsiders=TEAM_RECORD, **extra):
    """A record viewset (lms/admin_views/viewsets.py): managed by `manager`, deleted by
    superusers only (the role groups have no delete permission)."""
    views = {
        "edit": EDIT,
        "delete": DELETE,
        "history": {},
        "history_results": {},
        "usage": {},
        **extra,
    }
    viewset(namespace, attr, views, owner=manager, outsiders=outsiders)


# A member's personal data (lms/admin_views/privacy_hooks.py): export and erasure belong to
# the administrators of the member's area; the member, their leader and teammates are refused.
# The owner's POST of an erasure of the (active) member is refused with the reason (400).
PERSONAL_DATA = plus("member", "teammate", "leader")
url("lms_privacy:export", pk("member_record"), owner="admin", outsiders=PERSONAL_DATA)
url("lms_privacy:erase", pk("member_record"), owner="admin", outsiders=PERSONAL_DATA)

records("lms_team", "team", "admin")
records("lms_member", "member_record", "leader")
records("lms_instructor", "instructor", "admin")
records("lms_policy", "policy", "admin")
records("lms_document", "document", "admin")
records("lms_team_equipment", "team_equipment", "admin")

# Drills, sessions and hours are read in the admin, written on /learn/.
for namespace, attr in (
    ("lms_drill", "drill"),
    ("lms_session", "session"),
    ("lms_service_record", "service_record"),
):
    viewset(
        namespace,
        attr,
        {
            "edit": DEAD_POST,
            "delete": DEAD_POST,
            "history": DEAD,
            "history_results": DEAD,
            "usage": DEAD,
            "inspect": {},
        },
        owner="leader",
        outsiders=plus("teammate"),
    )
viewset(
    "lms_plan",
    "plan",
    {
        "edit": EDIT,
        "delete": {"method": "post", "owner_status": POSTED},
        "history": {},
        "history_results": {},
        "usage": {},
        "inspect": {},
    },
    owner="admin",
    outsiders=plus("leader"),
)
viewset(
    "lms_plan_item",
    "plan_item",
    {
        "edit": EDIT,
        "delete": {"method": "post", "owner_status": POSTED},
        "history": {},
        "history_results": {},
        "usage": {},
    },
    owner="admin",
    outsiders=plus("leader"),
)
viewset(
    "lms_certificate",
    "certificate",
    {
        "edit": DEAD_POST,
        "delete": DEAD_POST,
        # The history is a section of the inspect page, which this view redirects to.
        "history": {"owner_status": (302,)},
        "history_results": {"owner_status": (302,)},
        "usage": DEAD,
        "inspect": {},
        "revoke": {
            "method": "post",
            "data": lambda w: {"reason": "信息有误"},
            "owner_status": POSTED,
        },
    },
    owner="admin",
    outsiders=plus("teammate", "leader"),
)
viewset(
    "lms_certificate_job",
    "certificate_job",
    {
        "edit": DEAD_POST,
        "delete": DEAD_POST,
        "history": {},
        "history_results": {},
        "usage": DEAD,
        "inspect": {},
    },
    owner="admin",
    outsiders=plus("leader"),
)
viewset(
    "lms_attempt",
    "attempt",
    {
        "edit": DEAD_POST,
        "delete": DEAD_POST,
        "history": DEAD,
        "history_results": DEAD,
        "usage": DEAD,
        "inspect": {},
    },
    owner="admin",
    outsiders=plus("teammate", "leader"),
)
viewset(
    "lms_inspection",
    "inspection",
    {
        # The edit URL only redirects to the inspection's page, for anyone: that page decides.
        "edit": {"owner_status": (302,)},
        "delete": DEAD_POST,
        "history": {},
        "history_results": {},
        # Changing an inspection (its usage, its sign-off) is for the inspector (the city).
        "usage": {"owner": "city_admin"},
        "inspect": {},
        "sign_off": {"method": "post", "owner": "city_admin", "owner_status": (200, 302)},
    },
    owner="admin",
    outsiders=plus("leader"),
)

# -- region-wide content, guarded by model permissions (no county owns it) ---------------------
# The four outsiders are refused all the same: none holds the permission.

CONTENT = {"outsiders": plus("admin", "leader"), "county_owned": False}
viewset(
    "lms_question_regrade",
    "regrade",
    {
        "edit": DEAD_POST,
        "delete": DEAD_POST,
        "history": DEAD,
        "history_results": DEAD,
        "usage": DEAD,
        "inspect": {},
    },
    owner="reviewer",
    **CONTENT,
)
url("lms_exams:question_regrade", pk("question"), owner="reviewer", **CONTENT)
for namespace, attr in (
    ("wagtailsnippets_courses_question", "question"),
    ("wagtailsnippets_courses_questioncategory", "category"),
    ("wagtailsnippets_courses_exam", "exam"),
):
    viewset(
        namespace,
        attr,
        {
            "edit": EDIT,
            "delete": {"method": "post", "owner_status": (200, 302)},
            "usage": {},
            "history": {},
            "history_results": {},
            "copy": {},
        },
        owner="reviewer",
        **CONTENT,
    )
# Choosing a question or an exam (in an exam or a lesson's quiz) is for their authors.
url("wagtailsnippetchoosers_courses_question:chosen", pk("question"), owner="reviewer", **CONTENT)
url("wagtailsnippetchoosers_courses_exam:chosen", pk("exam"), owner="reviewer", **CONTENT)
url(
    "wagtailsnippets_courses_question:revisions_revert",
    lambda w: {"pk": w.question.pk, "revision_id": w.question_revision.pk},
    owner="reviewer",
    **CONTENT,
)
url(
    "wagtailsnippets_courses_question:revisions_compare",
    lambda w: {"pk": w.question.pk, "revision_id_a": "earliest", "revision_id_b": "latest"},
    owner="reviewer",
    **CONTENT,
)
viewset(
    "course_grants",
    "grant",
    {"edit": EDIT, "delete": DELETE, "history": {}, "history_results": {}, "usage": {}},
    owner="reviewer",
    **CONTENT,
)
viewset(
    "lms_equipment",
    "equipment_item",
    {"edit": EDIT, "delete": DELETE, "history": {}, "history_results": {}, "usage": {}},
    owner="superuser",
    **CONTENT,
)
# The standard and the targets are the region's: every area administrator reads them (the
# measure their teams are held to); only the region changes them.
READ_BY_ALL_ADMINS = {
    **CONTENT,
    "outsiders": ("other_member", "other_leader", "anonymous", "leader"),
    "excused": {"other_admin": "every area administrator reads the region's standard"},
    "owner": "admin",
}
for namespace, attr in (("lms_compliance_standard", "standard"), ("lms_yearly_target", "target")):
    viewset(
        namespace,
        attr,
        {
            "edit": EDIT,
            "delete": {"method": "post", "owner_status": (200, 302)},
            "history": {},
            "history_results": {},
            "usage": {},
            "inspect": READ_BY_ALL_ADMINS,
        },
        owner="superuser",
        **CONTENT,
    )
# Certificate templates are the region's too: region administrators change them, every area
# administrator reads them (lms/admin_views/policies.RegionEditsPolicy).
TEMPLATE_CHANGES = {"outsiders": plus("admin", "leader"), "excused": {}}
viewset(
    "lms_certificate_template",
    "template",
    {
        "edit": {**EDIT, **TEMPLATE_CHANGES},
        "delete": {**DELETE, **TEMPLATE_CHANGES},
        "copy": TEMPLATE_CHANGES,
        "history": {},
        "history_results": {},
        "usage": {},
    },
    owner="superuser",
    outsiders=("other_member", "other_leader", "anonymous", "leader"),
    excused={
        "other_admin": "templates are region-wide, not a county's: every area administrator "
        "reads them (the region changes them)"
    },
    county_owned=False,
)


# -- routes naming two objects ----------------------------------------------------------------
# The first object the outsider's own (they may open it: `first`), the second the first
# county's: the second must be looked up within the first, so the answer is 404.


@dataclass(frozen=True)
class Mixed:
    actor: str
    kwargs: Callable  # world -> their object first, ours second
    first: tuple[str, Callable]  # a page of their first object that they may open


MIXED: dict[str, Mixed] = {
    "learn:drill_participation": Mixed(
        "other_leader",
        lambda w: {"pk": w.other_drill.pk, "participation_pk": w.participation.pk},
        ("learn:drill_attendance", pk("other_drill")),
    ),
    "learn:drill_photo": Mixed(
        "other_leader",
        lambda w: {"pk": w.other_drill.pk, "photo_pk": w.photo.pk},
        ("learn:drill", pk("other_drill")),
    ),
    "learn:session_attendance_remove": Mixed(
        "other_admin",
        lambda w: {"pk": w.other_session.pk, "attendance_pk": w.attendance.pk},
        ("learn:session_attendance", pk("other_session")),
    ),
    "publicity:story_edit": Mixed(
        "other_leader",
        lambda w: {"team_pk": w.neighbour.pk, "page_pk": w.story.pk},
        ("publicity:team_stories", lambda w: {"team_pk": w.neighbour.pk}),
    ),
}
# Mapped routes with two parameters whose second names no object of its own.
SECOND_IS_NO_OBJECT = {
    "PUT /api/v1/attempts/{attempt_id}/answers/{position}": "the position is a question's "
    "number within the attempt",
    "wagtailsnippets_courses_question:revisions_revert": "a revision of region-wide content "
    "(the question bank), refused to everyone without the bank's permissions",
    "wagtailsnippets_courses_question:revisions_compare": "compares revisions of region-wide "
    "content, named by 'earliest'/'latest'",
}

# -- open by design --------------------------------------------------------------------------

SELF_SERVICE = (
    "names published course content, which the catalog shows to everyone; what it reads or "
    "writes is the signed-in member's own record (their enrollment, progress, attempt), found "
    "by who is asking, never by an id. Anonymous visitors are sent to sign in."
)
ALLOWED: dict[str, str] = {
    "verify": "certificate verification by its unguessable 22-character code (the QR code on "
    "the certificate): public on purpose, shows what the certificate says and nothing else",
    "GET /api/v1/verify/{code}": "the same public verification as /verify/<code>/, in JSON",
    "calendar_feed": "a member's private calendar feed, for phones that cannot sign in: the "
    "token is the credential (random, resettable); an unknown token is a 404 "
    "(test_calendar_feed_needs_a_valid_token)",
    "wagtail_serve": "public pages, served by Wagtail (drafts and private pages stay hidden)",
    "wagtailcore_authenticate_with_password": "Wagtail's password form for a private page: "
    "Wagtail checks the restriction and the password",
    "wagtailapi:pages:detail": "Wagtail's content API (/api/v2/): live public pages only, "
    "lesson bodies excluded (cms/api.py)",
    "wagtailapi:images:detail": "Wagtail's content API: the public site's images",
    "wagtailapi:documents:detail": "Wagtail's content API: the public site's documents (team "
    "files are not Wagtail documents: they are in private storage, served by the scope)",
    "^media/(?P<path>.*)$": "public media (SERVE_MEDIA, the embedded default); private files "
    "live in their own storage (PRIVATE_MEDIA_ROOT) and are served only through scoped views",
    "TopTenIndexPage:year": "the public top-ten list of a year (announced, frozen figures)",
    "TopTenIndexPage:area": "the public top-ten list of a city for a year",
    # Wagtail's snippet choosers answer any user with admin access (Wagtail's design); the
    # question and exam choosers are restricted to their authors (courses/viewsets.py).
    "wagtailsnippetchoosers_courses_questioncategory:chosen": "Wagtail's snippet chooser: "
    "a question category's name to any admin user",
    "learn:course": SELF_SERVICE,
    "learn:enroll": SELF_SERVICE,
    "learn:lesson": SELF_SERVICE,
    "learn:lesson_complete": SELF_SERVICE,
    "learn:lesson_check": SELF_SERVICE,
    "learn:exam": SELF_SERVICE,
    "learn:exam_start": SELF_SERVICE,
    "GET /api/v1/courses/{course_id}": SELF_SERVICE,
    "POST /api/v1/courses/{course_id}/enroll": SELF_SERVICE,
    "GET /api/v1/lessons/{lesson_id}": SELF_SERVICE,
    "POST /api/v1/lessons/{lesson_id}/progress": SELF_SERVICE,
    "POST /api/v1/lessons/{lesson_id}/checks/{block_id}": SELF_SERVICE,
    "POST /api/v1/exams/{exam_id}/attempts": SELF_SERVICE,
}
