"""Demo question bank and exams, run by courses.demo after the courses.

Each demo course gets its questions (courses/demo_question_data.py) and a final exam of 10
questions worth 10 points each (20 minutes, 3 attempts, answers shown after submitting):
GX-YJ-103 draws its paper at random by category and needs 80 to pass, and becoming an
exam that matters, its completion rule turns to lessons and exam; the others have fixed
papers and pass at 60. Two lessons get a practice quiz.

Idempotent: a category is looked up by name, a question by its category and stem, an exam
by its course (or lesson) and kind; what exists is left as an editor may have changed it.
"""

from collections import defaultdict
from decimal import Decimal
from itertools import zip_longest

from django.contrib.auth import get_user_model

from .demo_question_data import QUESTIONS
from .models import (
    OPTION_LETTERS,
    CompletionRule,
    CoursePage,
    Exam,
    ExamDrawRule,
    ExamKind,
    ExamQuestion,
    LessonPage,
    Question,
    QuestionCategory,
    ReviewPolicy,
    SelectionMode,
)

PAPER_SIZE = 10
POINTS = Decimal(10)
# Course code → draws per category (course codes not here get a fixed paper).
RANDOM_PAPERS = {"GX-YJ-103": {"心肺复苏与AED": 4, "止血与包扎": 3, "检伤分类": 3}}
PASS_MARKS = {"GX-YJ-103": 80}
# (course code, lesson slug, category whose questions make the quiz)
QUIZZES = [
    ("GX-YJ-103", "cpr-and-aed", "心肺复苏与AED"),
    ("GX-YJ-104", "fire-extinguishers", "灭火器使用"),
]


def seed(stdout) -> None:
    courses = {c.code: c for c in CoursePage.objects.filter(code__in=list(QUESTIONS))}
    if not courses:
        stdout.write("  题库：没有演示课程，跳过")
        return
    author = get_user_model().objects.filter(username="trainer").first()
    created = 0
    by_course: dict[str, list[Question]] = {}
    for code, rows in QUESTIONS.items():
        course = courses.get(code)
        if course is None:
            continue
        questions = []
        for row in rows:
            question, is_new = _question(course, row, author)
            created += is_new
            questions.append(question)
        by_course[code] = questions
    exams = sum(_final_exam(courses[code], questions) for code, questions in by_course.items())
    quizzes = sum(_quiz(courses[code], slug, category) for code, slug, category in QUIZZES)
    stdout.write(
        f"  题库：题目 {Question.objects.count()} 道（本次新增 {created} 道），"
        f"分类 {QuestionCategory.objects.count()} 个；"
        f"本次新增结业考试 {exams} 场、课时练习 {quizzes} 个"
    )


def _question(course: CoursePage, row: tuple, author) -> tuple[Question, bool]:
    category_name, kind, difficulty, stem, options, answer, explanation = row
    category, _created = QuestionCategory.objects.get_or_create(name=category_name)
    existing = Question.objects.filter(category=category, stem=stem).first()
    if existing:
        return existing, False
    question = Question(
        course=course,
        category=category,
        type=kind,
        difficulty=difficulty,
        stem=stem,
        answer=answer,
        explanation=explanation,
        **{
            f"option_{letter.lower()}": text
            for letter, text in zip(OPTION_LETTERS, options, strict=False)
        },
    )
    question.full_clean()
    question.save()
    question.save_revision(user=author)
    return question, True


def _balanced(questions: list[Question], size: int) -> list[Question]:
    """`size` questions taking each category in turn, so the paper covers the whole course."""
    by_category: dict[int, list[Question]] = defaultdict(list)
    for question in questions:
        by_category[question.category_id].append(question)
    turns = zip_longest(*by_category.values())
    return [q for turn in turns for q in turn if q is not None][:size]


def _final_exam(course: CoursePage, questions: list[Question]) -> bool:
    if Exam.objects.filter(course=course, kind=ExamKind.FINAL).exists():
        return False
    draws = RANDOM_PAPERS.get(course.code)
    exam = Exam(
        title=f"{course.title}结业考试",
        kind=ExamKind.FINAL,
        course=course,
        instructions=(
            f"共 {PAPER_SIZE} 题，每题 {POINTS:g} 分，限时 20 分钟，最多作答 3 次。"
            "多选题须全部选对才得分。答案随选随存，网络中断后重新打开页面即可继续作答；"
            "交卷后可查看答案和解析。"
        ),
        selection=SelectionMode.RANDOM if draws else SelectionMode.FIXED,
        pass_mark=PASS_MARKS.get(course.code, 60),
        time_limit_minutes=20,
        max_attempts=3,
        review_policy=ReviewPolicy.AFTER_SUBMIT,
    )
    exam.full_clean()
    exam.save()
    if draws:
        for order, (name, count) in enumerate(draws.items()):
            ExamDrawRule.objects.create(
                exam=exam,
                category=QuestionCategory.objects.get(name=name),
                count=count,
                points=POINTS,
                sort_order=order,
            )
        # The first-aid exam is the one that matters: passing it completes the course.
        if course.completion_rule != CompletionRule.LESSONS_AND_EXAM:
            course.completion_rule = CompletionRule.LESSONS_AND_EXAM
            course.save_revision().publish()
    else:
        for order, question in enumerate(_balanced(questions, PAPER_SIZE)):
            ExamQuestion.objects.create(
                exam=exam, question=question, points=POINTS, sort_order=order
            )
    return True


def _quiz(course: CoursePage, slug: str, category: str) -> bool:
    lesson = LessonPage.objects.child_of(course).filter(slug=slug).first()
    if lesson is None or Exam.objects.filter(lesson=lesson, kind=ExamKind.QUIZ).exists():
        return False
    exam = Exam(
        title=f"课时练习：{lesson.title}",
        kind=ExamKind.QUIZ,
        course=course,
        lesson=lesson,
        instructions="练习不计成绩、不限次数，交卷后即可查看答案和解析。",
        selection=SelectionMode.FIXED,
        pass_mark=60,
        review_policy=ReviewPolicy.AFTER_SUBMIT,
    )
    exam.full_clean()
    exam.save()
    questions = Question.objects.filter(course=course, category__name=category).order_by("pk")[:5]
    for order, question in enumerate(questions):
        ExamQuestion.objects.create(exam=exam, question=question, points=1, sort_order=order)
    return True
