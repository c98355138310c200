"""The world the permission suite attacks: one object of every kind that a URL can name,
all belonging to the first county (青秀区) and its team (新竹社区应急响应队), and the people
who try to reach them.

Built once per test module (see conftest.py) through the services and the shared factories,
then rolled back. The people:

- owners, who may reach the objects: `admin` (青秀区's administrator), `leader` (of the
  first team), `member` (its member, whose personal records these are), plus `city_admin`
  (南宁市), `reviewer` (审核员), `judge` (短视频评委) and `superuser` for the routes only
  they may use;
- outsiders, who must not: `other_member` (a member of a neighbouring team in the same
  county), `other_leader` (that neighbouring team's leader), `other_admin` (城中区's
  administrator, another county), `teammate` (a member of the first team, for records that
  are another member's own) and the anonymous visitor. The outsiders have a drill and a
  session of their own, to pair with the first county's ids on routes naming two objects.
"""

import datetime
import hashlib
import io
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wagtail.models import Locale, Page, Site

from PIL import Image

from cms.roles import REVIEWERS, roles_setup
from courses.models import (
    CourseGrant,
    Exam,
    ExamKind,
    ExamQuestion,
    LessonPage,
    Question,
    QuestionCategory,
    QuestionType,
)
from lms.calendar import calendar_feed_for
from lms.compliance_defaults import ensure_default_standard
from lms.models import (
    AreaAdministrator,
    AssignmentJob,
    AttemptStatus,
    CertificateJob,
    CertificateTemplate,
    ComplianceStandard,
    DocumentKind,
    EquipmentItem,
    InsurancePolicy,
    ServiceRecord,
    TeamDocument,
    TeamEquipment,
    YearlyReport,
    YearlyTarget,
)
from lms.models.exams import QuestionRegrade
from lms.roles import AREA_ADMINISTRATORS, TEAM_LEADERS, lms_roles_setup
from lms.services.attempts import attempt_start
from lms.services.certificates import certificate_issue
from lms.services.compliance import teams_evaluate
from lms.services.drills import drill_attendance_record, drill_create, drill_photo_add
from lms.services.enrollments import enrollment_create
from lms.services.hours import service_record_create
from lms.services.inspections import inspection_create
from lms.services.instructors import instructor_create
from lms.services.plans import plan_create, plan_item_create
from lms.services.sessions import session_attendance_record, session_create
from publicity.models import (
    ContestCriterion,
    ContestEntry,
    ContestIndexPage,
    ContestPage,
    EntryStatus,
    StoryIndexPage,
    TeamIndexPage,
    TopTenIndexPage,
)
from publicity.models.topten import TopTenSelection
from publicity.roles import JUDGES, publicity_setup
from publicity.services.pages import story_save, team_page_save
from tests.factories import (
    ArticleIndexPageFactory,
    CourseIndexPageFactory,
    HomePageFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    area_tree,
    course_with_lessons,
)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 4


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _site():
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = HomePageFactory(parent=root, slug="home-security")
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    ArticleIndexPageFactory(parent=home)
    return home


def _section(home, model, slug, title):
    page = model(title=title, slug=slug, show_in_menus=True)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def _people(w):
    groups = lms_roles_setup()
    roles_setup()
    admins, leaders = groups[AREA_ADMINISTRATORS], groups[TEAM_LEADERS]

    def administrator(username, area):
        user = UserFactory(username=username, groups=[admins])
        AreaAdministrator.objects.create(user=user, area=area)
        return user

    def person(team, username, name, *, lead=False):
        user = UserFactory(username=username, groups=[leaders] if lead else [])
        member = MemberFactory(team=team, name=name, user=user)
        if lead:
            team.leader = member
            team.save()
        return member

    w.admin = administrator("sec-qingxiu-admin", w.areas["qingxiu"])
    w.city_admin = administrator("sec-nanning-admin", w.areas["nanning"])
    w.other_admin = administrator("sec-chengzhong-admin", w.areas["chengzhong"])
    w.leader_record = person(w.team, "sec-leader", "蒙队长", lead=True)
    w.member_record = person(w.team, "sec-member", "陆队员")
    w.teammate_record = person(w.team, "sec-teammate", "韦队员")
    w.other_leader_record = person(w.neighbour, "sec-other-leader", "黄队长", lead=True)
    w.other_member_record = person(w.neighbour, "sec-other-member", "覃队员")
    w.leader = w.leader_record.user
    w.member = w.member_record.user
    w.teammate = w.teammate_record.user
    w.other_leader = w.other_leader_record.user
    w.other_member = w.other_member_record.user
    w.reviewer = UserFactory(username="sec-reviewer", groups=[Group.objects.get(name=REVIEWERS)])
    w.trainer = UserFactory(username="sec-trainer")
    w.superuser = UserFactory(username="sec-root", is_superuser=True, is_staff=True)


def _content(w):
    catalog = CourseIndexPageFactory(parent=w.home)
    w.course = course_with_lessons(catalog, code="SEC-101", title="应急救护基础", lessons=2)
    w.lesson = LessonPage.objects.child_of(w.course).order_by("path").first()
    w.category = QuestionCategory.objects.create(name="现场急救")
    w.question = Question.objects.create(
        type=QuestionType.SINGLE,
        stem="成人胸外按压的频率是？",
        option_a="每分钟60至80次",
        option_b="每分钟100至120次",
        answer="B",
        category=w.category,
    )
    w.exam = Exam.objects.create(
        title="急救结业考试",
        kind=ExamKind.FINAL,
        course=w.course,
        pass_mark=60,
        max_attempts=5,
        time_limit_minutes=30,
    )
    ExamQuestion.objects.create(exam=w.exam, question=w.question, points=1, sort_order=0)
    w.question_revision = w.question.save_revision(user=w.reviewer)
    w.grant = CourseGrant.objects.create(course=w.course, user=w.trainer, granted_by=w.superuser)
    w.template = CertificateTemplate.objects.create(
        name="自治区标准模板", is_default=True, issuing_organisation="广西壮族自治区应急管理厅"
    )
    ensure_default_standard()
    w.standard = ComplianceStandard.objects.order_by("pk").first()
    w.target = YearlyTarget.objects.order_by("pk").first()
    w.equipment_item = EquipmentItem.objects.create(name="急救包", required_quantity=2)
    w.regrade = QuestionRegrade.objects.create(
        question=w.question,
        regraded_by=w.reviewer,
        reason="更正答案",
        old_answer="A",
        new_answer="B",
    )


def _records(w):
    today = timezone.localdate()
    now = timezone.now()
    member = w.member_record
    w.document = TeamDocument(team=w.team, kind=DocumentKind.CHARTER, title="组织章程")
    w.document.file.save("charter.pdf", ContentFile(PDF), save=False)
    w.document.save()
    w.policy = InsurancePolicy(
        team=w.team,
        insurer="中国人寿",
        policy_number="SEC-P-1",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=300),
    )
    w.policy.document.save("policy.pdf", ContentFile(PDF), save=False)
    w.policy.save()
    w.policy.members.set([member])
    w.team_equipment = TeamEquipment.objects.create(team=w.team, item=w.equipment_item, quantity=2)
    w.instructor = instructor_create(
        name="黄教官",
        qualification_level="county",
        areas=[w.areas["xinzhu_1"]],
        user=UserFactory(username="sec-instructor"),
    )

    # Learning and exams: a submitted attempt and an open one, both the member's.
    w.enrollment, _created = enrollment_create(member=member, course=w.course, source="self")
    w.attempt = attempt_start(member=member, exam=w.exam)
    w.attempt.status = AttemptStatus.SUBMITTED
    w.attempt.submitted_at = now
    w.attempt.save()
    w.open_attempt = attempt_start(member=member, exam=w.exam)
    assert w.open_attempt.status == AttemptStatus.OPEN
    w.assignment_job = AssignmentJob.objects.create(
        area=w.areas["qingxiu"], course=w.course, created_by=w.admin, teams_total=1
    )

    # Drills, sessions, hours, plans.
    starts = now - datetime.timedelta(minutes=10)
    w.drill = drill_create(
        by=w.leader,
        title="防汛转移避险演练",
        scenario="flood_evacuation",
        teams=[w.team],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
        place="新竹社区广场",
        organiser="新竹社区居委会",
    )
    (w.participation,) = drill_attendance_record(
        by=w.leader, drill=w.drill, entries=[{"member": member}]
    )
    w.photo = drill_photo_add(by=w.leader, drill=w.drill, image_file=_png())
    w.session = session_create(
        by=w.admin,
        title="应急救护培训（第一期）",
        course=w.course,
        area=w.areas["qingxiu"],
        teams=[w.team],
        instructors=[w.instructor],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="青秀区应急管理局培训室",
    )
    (w.attendance,) = session_attendance_record(by=w.admin, session=w.session, members=[member])
    # The outsiders' own drill and session, to pair with the first county's ids.
    w.other_drill = drill_create(
        by=w.other_leader,
        title="桂雅路消防疏散演练",
        scenario="flood_evacuation",
        teams=[w.neighbour],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=60),
        place="桂雅路社区",
        organiser="桂雅路社区居委会",
    )
    w.other_session = session_create(
        by=w.other_admin,
        title="城中区应急救护培训",
        course=w.course,
        area=w.areas["chengzhong"],
        teams=[w.far_team],
        instructors=[
            instructor_create(
                name="韦教官", qualification_level="county", areas=[w.areas["chengzhong"]]
            )
        ],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="城中区应急管理局",
    )
    # Entered by the member: pending, theirs to edit; verified by their leader or admin.
    w.service_record = service_record_create(
        by=w.member,
        member=member,
        activity="patrol",
        date=today,
        hours=Decimal(2),
        description="防汛巡查",
    )
    assert isinstance(w.service_record, ServiceRecord)
    w.plan = plan_create(
        by=w.admin,
        area=w.areas["qingxiu"],
        year=today.year,
        title="青秀区年度培训计划",
        responsible_name="黄主任",
    )
    w.plan_item = plan_item_create(
        by=w.admin, plan=w.plan, kind="drill", title="防汛演练", planned_on=today
    )
    w.feed = calendar_feed_for(w.member)

    # Certificates, reports, inspections.
    w.certificate = certificate_issue(member=member, course=w.course, by=w.admin)
    w.certificate.pdf.save(f"{w.certificate.serial}.pdf", ContentFile(PDF), save=False)
    w.certificate.pdf_sha256 = hashlib.sha256(PDF).hexdigest()
    w.certificate.rendered_at = now
    w.certificate.save()
    w.certificate_job = CertificateJob.objects.create(
        course=w.course, team=w.team, created_by=w.admin, total=1
    )
    w.report = YearlyReport.objects.create(
        area=w.areas["qingxiu"], year=today.year - 1, created_by=w.admin, total=1, done=1
    )
    w.report.pdf.save("report.pdf", ContentFile(PDF), save=False)
    w.report.xlsx.save("report.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    w.report.status = "done"
    w.report.finished_at = now
    w.report.save()
    w.inspection = inspection_create(
        county=w.areas["qingxiu"], year=today.year, inspector=w.city_admin
    )
    teams_evaluate()  # this year's compliance snapshots


def _publicity(w):
    publicity_setup()
    w.sections = {
        "teams": _section(w.home, TeamIndexPage, "teams", "队伍风采"),
        "stories": _section(w.home, StoryIndexPage, "stories", "队伍故事"),
        "top_ten": _section(w.home, TopTenIndexPage, "top-ten", "十佳社区响应队"),
        "contest": _section(w.home, ContestIndexPage, "contest", "短视频大赛"),
    }
    publicity_setup()  # the approval workflow on the sections just made
    w.judge = UserFactory(username="sec-judge", groups=[Group.objects.get(name=JUDGES)])
    w.team_page = team_page_save(
        team=w.team, user=w.leader, introduction="我们是新竹社区应急响应队。"
    )
    w.story = story_save(
        team=w.team,
        user=w.leader,
        title="暴雨夜转移群众",
        summary="队员连夜转移低洼住户。",
        story_date=w.team.founded_on,
        body="深夜接到预警。",
    )
    now = timezone.now()
    w.contest = ContestPage(
        title="短视频公益广告大赛",
        slug="shorts",
        intro="用镜头讲应急。",
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now + datetime.timedelta(days=30),
        max_video_mb=5,
        criteria=[ContestCriterion(name="主题立意", weight=100, sort_order=0)],
    )
    w.sections["contest"].add_child(instance=w.contest)
    w.contest.save_revision().publish()
    w.contest.refresh_from_db()

    def entry(status, token):
        made = ContestEntry(
            contest=w.contest,
            title="应急包这样备",
            description="一步步演示家庭应急包。",
            team=w.team,
            status=status,
            author_name="覃作者",
            author_phone="13807710001",
            upload_token=token,
        )
        made.video.save("video.mp4", ContentFile(MP4), save=False)
        made.video_type = "video/mp4"
        made.video_size = len(MP4)
        made.save()
        return made

    # Pending: seen by its reviewers and judges only. Approved: public by design.
    w.entry = entry(EntryStatus.PENDING, "sec" + "0" * 29)
    w.approved_entry = entry(EntryStatus.APPROVED, "sec" + "1" * 29)
    w.selection = TopTenSelection.objects.create(
        year=timezone.localdate().year - 1,
        area=w.areas["nanning"],
        formula="得分 = 覆盖率 × 40 + 参与率 × 40 + 时长 × 20",
        announced_by=w.city_admin,
    )


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.home = _site()
    w.areas = area_tree()
    w.team = TeamFactory(community=w.areas["xinzhu_1"], name="新竹社区应急响应队")
    w.neighbour = TeamFactory(community=w.areas["xinzhu_2"], name="桂雅路社区应急响应队")
    w.far_team = TeamFactory(community=w.areas["chengzhong_1"], name="公园社区应急响应队")
    _people(w)
    _content(w)
    _records(w)
    _publicity(w)
    return w


def stored_files(w) -> list:
    """The private files the world wrote, to delete when the module is done."""
    return [
        w.document.file,
        w.policy.document,
        w.photo.image,
        w.certificate.pdf,
        w.report.pdf,
        w.report.xlsx,
        w.entry.video,
        w.approved_entry.video,
    ]
