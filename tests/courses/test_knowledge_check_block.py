"""The knowledge check renders as a form of options: never which are correct, nor why."""

from django.core.exceptions import ValidationError
from django.template import Context, Template

import pytest

from courses.blocks import KnowledgeCheckBlock
from courses.models import LessonPage

from .conftest import EXPLANATION, OPTIONS, QUESTION

pytestmark = pytest.mark.django_db


def render_checks(lesson, template: str) -> str:
    return Template("{% load wagtailcore_tags %}" + template).render(
        Context({"page": lesson, "blocks": list(lesson.body)})
    )


def test_renders_the_question_and_options_named_by_the_block_id(lesson_with_check):
    lesson = LessonPage.objects.get(pk=lesson_with_check.pk)
    block = next(b for b in lesson.body if b.block_type == "knowledge_check")

    html = render_checks(
        lesson,
        "{% for block in blocks %}{% if block.block_type == 'knowledge_check' %}"
        "{% include_block block with block_id=block.id %}{% endif %}{% endfor %}",
    )

    assert QUESTION in html
    assert all(option in html for option in OPTIONS)
    assert f'data-block-id="{block.id}"' in html
    assert html.count(f'name="{block.id}"') == len(OPTIONS)
    assert 'type="radio"' in html  # one correct option: a single choice
    assert 'value="1"' in html and 'value="3"' in html  # 1-based option numbers
    assert f'data-lesson-id="{lesson.pk}"' in html
    assert EXPLANATION not in html
    assert "data-correct" not in html
    assert "correct" not in html.lower().replace("data-knowledge-check", "")


def test_finds_the_block_id_from_the_loop_variable(lesson_with_check):
    lesson = LessonPage.objects.get(pk=lesson_with_check.pk)
    block = next(b for b in lesson.body if b.block_type == "knowledge_check")
    html = render_checks(lesson, "{% for block in blocks %}{% include_block block %}{% endfor %}")
    assert f'name="{block.id}"' in html
    assert EXPLANATION not in html


def test_several_correct_options_make_checkboxes(lesson_with_check):
    lesson = LessonPage.objects.get(pk=lesson_with_check.pk)
    body = list(lesson.body.raw_data)
    for item in body:
        if item["type"] == "knowledge_check":
            item["value"]["correct"] = [1, 3]
    lesson.body = body
    lesson.save()
    lesson = LessonPage.objects.get(pk=lesson.pk)

    html = render_checks(lesson, "{% for block in blocks %}{% include_block block %}{% endfor %}")
    assert 'type="checkbox"' in html
    assert "多选题" in html
    assert EXPLANATION not in html


def test_template_context_holds_no_answer(lesson_with_check):
    block = next(b for b in lesson_with_check.body if b.block_type == "knowledge_check")
    context = block.block.get_context(block.value, parent_context={"block_id": block.id})
    assert set(context["value"]) == {"question", "options"}
    assert "correct" not in context and "explanation" not in context


def test_a_check_needs_two_options_and_correct_numbers_in_range():
    block = KnowledgeCheckBlock()
    value = block.to_python(
        {"question": "问题", "options": ["甲", "乙"], "correct": [3], "explanation": ""}
    )
    with pytest.raises(ValidationError):
        block.clean(value)
    value = block.to_python(
        {"question": "问题", "options": ["甲"], "correct": [1], "explanation": ""}
    )
    with pytest.raises(ValidationError):
        block.clean(value)
