"""Learning from a phone: the catalog, enrolling, lessons, progress and knowledge checks.

Every write goes through lms.services (enrollments, progress). A lesson is served only to a
member enrolled in its (published) course; anything else is not found. A knowledge check's
answers and explanation stay on the server until the learner answers it.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _

from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from ninja import Query, Router, Status

from courses.models import CoursePage, LessonPage
from lms.errors import DomainError
from lms.models import Enrollment, EnrollmentStatus, LessonProgress, Member
from lms.services.enrollments import enrollment_self
from lms.services.progress import (
    course_lessons,
    knowledge_check_answer,
    progress_complete,
    progress_open,
)

from .common import get_within, is_id, paginated
from .errors import NotFound
from .schemas import Error
from .schemas_learning import (
    CheckIn,
    CheckResultOut,
    CourseDetailOut,
    CourseFilters,
    CourseOut,
    EnrollmentFilters,
    EnrollmentOut,
    LessonOut,
    ProgressIn,
    ProgressResultOut,
)

router = Router(tags=["学习"])

# Phone screens: large enough to read a diagram, small enough for a mobile connection.
IMAGE_RENDITION = "max-800x600"


def _lesson_not_found() -> NotFound:
    return NotFound(_("未找到该课时，或您尚未报名其所属课程。"))


# -- reads ---------------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated subquery, as an annotation (one query, however many rows)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _live_lessons_under(course_prefix: str = "") -> QuerySet[LessonPage]:
    """Live lessons directly under the course that the outer query's `<prefix>path` names."""
    return LessonPage.objects.live().filter(
        path__startswith=OuterRef(f"{course_prefix}path"),
        depth=OuterRef(f"{course_prefix}depth") + 1,
    )


def courses_for_output(courses: QuerySet[CoursePage]) -> QuerySet[CoursePage]:
    return courses.annotate(lesson_count=_count(_live_lessons_under()))


def enrollments_for_output(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Enrollments with their course's lesson count, lessons done and the next lesson to take,
    each a subquery: a page of enrollments is one query."""
    lessons = _live_lessons_under("course__")
    done = LessonProgress.objects.filter(
        enrollment=OuterRef(OuterRef("pk")), lesson=OuterRef("pk"), completed_at__isnull=False
    )
    return enrollments.select_related("course").annotate(
        lessons_total=_count(lessons),
        lessons_done=_count(lessons.filter(Exists(done))),
        next_lesson_id=Subquery(lessons.exclude(Exists(done)).order_by("path").values("pk")[:1]),
    )


def _caller_member(request: HttpRequest) -> Member:
    """The caller's own member record. Learning is one's own business: these endpoints look
    at the caller's enrollments only, never at what a role lets them see of other people's."""
    member = Member.objects.select_related("user").filter(user=request.auth).first()
    if member is None:
        raise DomainError(
            _("您的账号尚未登记为队员，不能报名课程。请联系队长在名册中关联您的账号。"),
            field="member",
        )
    return member


# What the lesson endpoints read of an enrollment: the services need the member's id only.
ENROLLMENT_FIELDS = (
    "status",
    "last_lesson_id",
    "member__id",
    "course__code",
    "course__title",
    "course__path",
    "course__depth",
    "course__live",
)


def _enrolled_lesson(request: HttpRequest, lesson_id: int) -> tuple[LessonPage, Enrollment]:
    """The live lesson `lesson_id` and the caller's current enrollment in its live course.

    Not a lesson, not published, its course not published, or the caller not enrolled: 404,
    without saying which.
    """
    # Only the columns used: a page row is wide, and building the SQL for every column of a
    # lesson, a course and a member costs more than running it (this is the hot path).
    lesson = (
        LessonPage.objects.live()
        .filter(pk=lesson_id)
        .only("path", "depth", "live", "title", "estimated_minutes", "body")
        .first()
        if is_id(lesson_id)
        else None
    )
    if lesson is None:
        raise _lesson_not_found()
    enrollment = (
        Enrollment.objects.current()
        .select_related("course", "member")
        .only(*ENROLLMENT_FIELDS)
        .filter(
            member__user=request.auth,
            course__live=True,
            course__path=lesson.path[: -Page.steplen],
        )
        .first()
    )
    if enrollment is None:
        raise _lesson_not_found()
    return lesson, enrollment


def _enrollment_output(enrollment: Enrollment) -> Enrollment:
    return enrollments_for_output(Enrollment.objects).get(pk=enrollment.pk)


# -- lesson blocks: what each block type becomes in JSON ------------------------------------


class _BlockContext:
    """What serializing a lesson's blocks needs: absolute URLs, and renditions fetched at once."""

    def __init__(self, request: HttpRequest, body):
        self.request = request
        images = [
            block.value["image"]
            for block in body
            if block.block_type == "image" and block.value["image"] is not None
        ]
        # One query for every image's rendition; a missing one is generated on first view.
        rendition_model = get_image_model().get_rendition_model()
        prefetch_related_objects(
            images,
            Prefetch(
                "renditions",
                queryset=rendition_model.objects.filter(filter_spec=IMAGE_RENDITION),
                to_attr="prefetched_renditions",
            ),
        )

    def url(self, url: str | None) -> str | None:
        return self.request.build_absolute_uri(url) if url else None


def _html(value) -> str:
    return expand_db_html(value.source)


def _heading(value, context: _BlockContext) -> dict:
    return {"text": value["text"], "level": value["level"]}


def _paragraph(value, context: _BlockContext) -> str:
    return _html(value)


def _image(value, context: _BlockContext) -> dict:
    image = value["image"]
    out = {"url": None, "width": None, "height": None, "alt": "", "caption": value["caption"]}
    if image is not None:
        rendition = image.get_renditions(IMAGE_RENDITION)[IMAGE_RENDITION]
        out.update(
            url=context.url(rendition.url),
            width=rendition.width,
            height=rendition.height,
            alt=rendition.alt,
        )
    return out


def _embed(value, context: _BlockContext) -> dict:
    # The URL only: the embed's HTML would be fetched from a third party.
    return {"url": value.url if value else None}


def _document_fields(document) -> dict:
    if document is None:
        return {"url": None, "title": "", "file_extension": "", "file_size": None}
    return {
        "url": document.url,
        "title": document.title,
        "file_extension": document.file_extension,
        "file_size": document.file_size,
    }


def _video(value, context: _BlockContext) -> dict:
    out = _document_fields(value["video"])
    out["url"] = context.url(out["url"])
    return {**out, "caption": value["caption"]}


def _document(value, context: _BlockContext) -> dict:
    out = _document_fields(value["document"])
    out["url"] = context.url(out["url"])
    return {**out, "title": value["title"] or out["title"]}


def _key_steps(value, context: _BlockContext) -> dict:
    return {"title": value["title"], "steps": list(value["steps"])}


def _do_dont(value, context: _BlockContext) -> dict:
    return {"do": list(value["do"]), "dont": list(value["dont"])}


def _callout(value, context: _BlockContext) -> dict:
    return {"kind": value["kind"], "title": value["title"], "text": _html(value["text"])}


def _knowledge_check(value, context: _BlockContext) -> dict:
    # Only what the learner sees before answering: never `correct` or `explanation`.
    return {"question": value["question"], "options": list(value["options"])}


BLOCK_SERIALIZERS: dict[str, Callable[[Any, _BlockContext], dict | str]] = {
    "heading": _heading,
    "paragraph": _paragraph,
    "image": _image,
    "embed": _embed,
    "video": _video,
    "key_steps": _key_steps,
    "do_dont": _do_dont,
    "callout": _callout,
    "document": _document,
    "knowledge_check": _knowledge_check,
}


def lesson_blocks(request: HttpRequest, lesson: LessonPage) -> list[dict]:
    """The lesson body as {type, id, value}. A block type without a serializer is left out
    rather than sent raw: a raw value could carry what the learner must not see yet."""
    body = list(lesson.body)
    context = _BlockContext(request, body)
    return [
        {
            "type": block.block_type,
            "id": block.id,
            "value": BLOCK_SERIALIZERS[block.block_type](block.value, context),
        }
        for block in body
        if block.block_type in BLOCK_SERIALIZERS
    ]


# -- the catalog -----------------------------------------------------------------------


@router.get("/courses", response=list[CourseOut], summary="课程目录")
@paginated
def course_list(request: HttpRequest, filters: Query[CourseFilters]):
    courses = CoursePage.objects.live()
    if filters.hazard:
        courses = courses.filter(hazard_category=filters.hazard)
    if filters.level:
        courses = courses.filter(level=filters.level)
    return courses_for_output(courses).order_by("path")


@router.get("/courses/{course_id}", response={200: CourseDetailOut, 404: Error}, summary="课程详情")
def course_detail(request: HttpRequest, course_id: int):
    return get_within(courses_for_output(CoursePage.objects.live()), course_id, _("未找到该课程。"))


@router.post(
    "/courses/{course_id}/enroll",
    response={200: EnrollmentOut, 201: EnrollmentOut, 400: Error, 404: Error},
    summary="自主报名",
    description="为本人（须为登记在册的队员）报名课程；已报名时返回原有记录（200）。",
)
def course_enroll(request: HttpRequest, course_id: int):
    course = get_within(CoursePage.objects.live(), course_id, _("未找到该课程。"))
    member = _caller_member(request)
    existing = Enrollment.objects.filter(member=member, course=course).first()
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        return Status(200, _enrollment_output(existing))
    enrollment = enrollment_self(member=member, course=course)
    return Status(201 if existing is None else 200, _enrollment_output(enrollment))


@router.get("/me/enrollments", response=list[EnrollmentOut], summary="我的课程")
@paginated
def my_enrollments(request: HttpRequest, filters: Query[EnrollmentFilters]):
    enrollments = Enrollment.objects.filter(member__user=request.auth)
    if filters.status:
        enrollments = enrollments.filter(status=filters.status)
    return enrollments_for_output(enrollments).order_by("-enrolled_at", "-pk")


# -- lessons ---------------------------------------------------------------------------


@router.get(
    "/lessons/{lesson_id}",
    response={200: LessonOut, 400: Error, 404: Error},
    summary="课时内容",
    description="仅限已报名该课程的队员。打开即记为最近学习的课时。随堂小测只含题目和选项。",
)
def lesson_detail(request: HttpRequest, lesson_id: int):
    lesson, enrollment = _enrolled_lesson(request, lesson_id)
    progress = progress_open(member=enrollment.member, lesson=lesson)
    order = list(course_lessons(enrollment.course).values_list("pk", flat=True))
    at = order.index(lesson.pk) if lesson.pk in order else None
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "estimated_minutes": lesson.estimated_minutes,
        "course": enrollment.course,
        "previous_lesson_id": order[at - 1] if at else None,
        "next_lesson_id": order[at + 1] if at is not None and at + 1 < len(order) else None,
        "body": lesson_blocks(request, lesson),
        "progress": progress,
    }


@router.post(
    "/lessons/{lesson_id}/progress",
    response={200: ProgressResultOut, 400: Error, 404: Error},
    summary="标记课时已学完",
    description="记入学习时长（单次最多 30 分钟）；学完全部课时即结业（若课程不要求考试）。",
)
def lesson_progress(request: HttpRequest, lesson_id: int, payload: ProgressIn):
    lesson, enrollment = _enrolled_lesson(request, lesson_id)
    progress = progress_complete(
        member=enrollment.member, lesson=lesson, seconds_spent=payload.seconds_spent
    )
    return {"progress": progress, "enrollment": _enrollment_output(enrollment)}


@router.post(
    "/lessons/{lesson_id}/checks/{block_id}",
    response={200: CheckResultOut, 400: Error, 404: Error},
    summary="回答随堂小测",
    description="在服务器上判分；答对时返回解析，全部小测答对即学完本课时。",
)
def lesson_check(request: HttpRequest, lesson_id: int, block_id: str, payload: CheckIn):
    lesson, enrollment = _enrolled_lesson(request, lesson_id)
    result = knowledge_check_answer(
        member=enrollment.member, lesson=lesson, block_id=block_id, choices=payload.choices
    )
    completed = LessonProgress.objects.filter(
        enrollment=enrollment, lesson=lesson, completed_at__isnull=False
    ).exists()
    return {**result, "lesson_completed": completed}
