"""What goes in and out of the exam endpoints: attempts being taken, and their results.

An open attempt's output has the questions and options only: no key, no explanation, no
grade. A result carries the key and explanations only when the exam's review policy allows.
"""

import datetime

from ninja import Field, Schema

from courses.models import ExamKind, QuestionType
from lms.models import AttemptStatus

from .schemas import Choice, choice


def _get(obj, name: str):
    """A value from a model instance or from a dict built by the endpoint."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


class ExamRef(Schema):
    id: int
    title: str
    kind: Choice = Field(description="quiz 课时练习 / final 结业考试")
    course_id: int

    @staticmethod
    def resolve_kind(obj) -> dict:
        return choice(ExamKind, _get(obj, "kind"))


class OptionOut(Schema):
    key: int = Field(description="选项编号（按录入顺序，A = 0），作答时提交这个编号")
    text: str


class QuestionOut(Schema):
    position: int = Field(description="题号，从 1 起")
    type: QuestionType = Field(
        description="题型代码：single 单选 / multiple 多选 / true_false 判断"
    )
    type_label: str = Field(description="题型名称")
    stem: str
    points: float
    options: list[OptionOut] = Field(description="按本次作答显示的顺序")
    response: list[int] | None = Field(description="已保存的作答（选项编号）；未作答为 null")
    saved_at: datetime.datetime | None

    @staticmethod
    def resolve_type_label(obj) -> str:
        return str(QuestionType(_get(obj, "type")).label)


class AttemptOut(Schema):
    id: int
    exam: ExamRef
    number: int = Field(description="第几次作答")
    status: Choice = Field(description="open 作答中 / submitted 已交卷 / timed_out 超时自动交卷")
    started_at: datetime.datetime
    deadline: datetime.datetime | None = Field(description="服务器规定的截止时间；不限时为 null")
    seconds_left: int | None = Field(description="距截止还有多少秒（按服务器时钟）")
    submitted_at: datetime.datetime | None
    questions: list[QuestionOut]

    @staticmethod
    def resolve_status(obj) -> dict:
        return choice(AttemptStatus, _get(obj, "status"))


class AttemptSummaryOut(Schema):
    id: int
    exam: ExamRef
    number: int
    status: Choice
    started_at: datetime.datetime
    deadline: datetime.datetime | None
    submitted_at: datetime.datetime | None
    score: float | None
    max_score: float
    percent: float | None
    passed: bool | None

    @staticmethod
    def resolve_status(obj) -> dict:
        return choice(AttemptStatus, _get(obj, "status"))


class AnswerSavedOut(Schema):
    position: int
    saved_at: datetime.datetime


class ResultQuestionOut(Schema):
    position: int
    type: QuestionType
    type_label: str
    stem: str
    points: float
    options: list[OptionOut]
    response: list[int] | None
    is_correct: bool
    score: float
    correct_choices: list[int] | None = Field(
        description="正确答案（选项编号）；考试规则不允许查看时为 null"
    )
    explanation: str | None = Field(description="解析；考试规则不允许查看时为 null")

    @staticmethod
    def resolve_type_label(obj) -> str:
        return str(QuestionType(_get(obj, "type")).label)


class ResultOut(AttemptSummaryOut):
    pass_mark: int = Field(description="及格线（百分制）")
    review_allowed: bool = Field(description="是否可以查看正确答案和解析")
    questions: list[ResultQuestionOut]
