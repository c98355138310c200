"""What goes in and out of the learning endpoints: catalog, enrollments, lessons, progress."""

import datetime
from typing import Any

from django.utils.translation import gettext as _

from wagtail.rich_text import expand_db_html

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt, field_validator

from cms.models import HazardType
from courses.models import CourseLevel
from lms.models import EnrollmentSource, EnrollmentStatus
from lms.services.progress import course_lessons

from .schemas import Choice, choice

# -- courses -------------------------------------------------------------------------------


class CourseRef(Schema):
    id: int
    code: str
    title: str


class CourseOut(Schema):
    id: int
    code: str = Field(description="课程编号")
    title: str
    hazard_category: Choice = Field(description="灾种类别")
    level: Choice
    credit_hours: float = Field(description="学时")
    summary: str
    lesson_count: int = Field(description="已发布的课时数")
    self_enrollment: bool = Field(description="是否允许自主报名")

    @staticmethod
    def resolve_hazard_category(obj) -> dict:
        return choice(HazardType, obj.hazard_category)

    @staticmethod
    def resolve_level(obj) -> dict:
        return choice(CourseLevel, obj.level)


class LessonRef(Schema):
    id: int
    title: str
    estimated_minutes: int


class CourseDetailOut(CourseOut):
    objectives: str = Field(description="学习目标（HTML）")
    lessons: list[LessonRef] = Field(description="已发布的课时，按学习顺序")

    @staticmethod
    def resolve_objectives(obj) -> str:
        return expand_db_html(obj.objectives)

    @staticmethod
    def resolve_lessons(obj) -> list:
        return list(course_lessons(obj).only("pk", "title", "estimated_minutes"))


class CourseFilters(Schema):
    hazard: HazardType | None = Field(None, description="灾种类别代码，如 flood、first_aid")
    level: CourseLevel | None = None


# -- enrollments ---------------------------------------------------------------------------


class EnrollmentOut(Schema):
    id: int
    course: CourseRef
    status: Choice
    source: Choice
    due_on: datetime.date | None
    enrolled_at: datetime.datetime
    completed_at: datetime.datetime | None
    lessons_total: int = Field(description="课程已发布的课时数")
    lessons_done: int = Field(description="其中已学完的课时数")
    percent: int = Field(description="完成百分比（0–100）")
    next_lesson_id: int | None = Field(description="下一个未学完的课时；全部学完时为 null")
    last_lesson_id: int | None = Field(description="最近学习的课时")

    @staticmethod
    def resolve_status(obj) -> dict:
        return choice(EnrollmentStatus, obj.status)

    @staticmethod
    def resolve_source(obj) -> dict:
        return choice(EnrollmentSource, obj.source)

    @staticmethod
    def resolve_percent(obj) -> int:
        # A completed course stays at 100 even if lessons are added to it later.
        if obj.status == EnrollmentStatus.COMPLETED:
            return 100
        if not obj.lessons_total:
            return 0
        return min(100, 100 * obj.lessons_done // obj.lessons_total)


class EnrollmentFilters(Schema):
    status: EnrollmentStatus | None = None


# -- lessons -------------------------------------------------------------------------------


class BlockOut(Schema):
    type: str = Field(
        description="heading · paragraph · image · embed · video · key_steps · do_dont · "
        "callout · document · knowledge_check"
    )
    id: str
    value: dict[str, Any] | str = Field(
        description="paragraph 为 HTML 字符串；其余为对象。knowledge_check 只含 question 和 "
        "options：答案与解析在作答后由 POST /lessons/{id}/checks/{block_id} 返回"
    )


class ProgressOut(Schema):
    lesson_id: int
    completed: bool
    completed_at: datetime.datetime | None
    seconds_spent: int
    passed_check: bool
    checks_passed: list[str] = Field(description="已答对的随堂小测（块 id）")

    @staticmethod
    def resolve_completed(obj) -> bool:
        return obj.completed_at is not None


class LessonOut(Schema):
    id: int
    title: str
    estimated_minutes: int
    course: CourseRef
    previous_lesson_id: int | None
    next_lesson_id: int | None
    body: list[BlockOut]
    progress: ProgressOut


class ProgressIn(Schema):
    model_config = ConfigDict(extra="forbid")

    completed: StrictBool = Field(description="须为 true：标记本课时已学完")
    seconds_spent: StrictInt = Field(ge=0, description="本次学习时长（秒）；单次最多计 30 分钟")

    @field_validator("completed")
    @classmethod
    def _only_completion(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError(_("只能标记为已学完（true）。"))
        return value


class ProgressResultOut(Schema):
    progress: ProgressOut
    enrollment: EnrollmentOut


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    choices: list[StrictInt] = Field(description="所选选项的序号（从 1 开始），可多选")


class CheckResultOut(Schema):
    correct: bool
    explanation: str = Field(description="答对时的解析；答错时为空")
    correct_choices: list[int] = Field(description="答对时为正确选项；答错时为空")
    lesson_completed: bool = Field(description="本课时是否已学完（全部小测答对即学完）")
