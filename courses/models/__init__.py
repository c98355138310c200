from .exams import Exam, ExamDrawRule, ExamKind, ExamQuestion, ReviewPolicy, SelectionMode
from .pages import CompletionRule, CourseGrant, CourseIndexPage, CourseLevel, CoursePage, LessonPage
from .questions import (
    OPTION_LETTERS,
    Difficulty,
    Question,
    QuestionCategory,
    QuestionTag,
    QuestionType,
)

__all__ = [
    "OPTION_LETTERS",
    "CompletionRule",
    "CourseGrant",
    "CourseIndexPage",
    "CourseLevel",
    "CoursePage",
    "Difficulty",
    "Exam",
    "ExamDrawRule",
    "ExamKind",
    "ExamQuestion",
    "LessonPage",
    "Question",
    "QuestionCategory",
    "QuestionTag",
    "QuestionType",
    "ReviewPolicy",
    "SelectionMode",
]
