"""Authors preview lessons in the admin: the knowledge checks show, their answers never."""

import pytest

from courses.models import LessonPage

from .conftest import lesson_form

pytestmark = pytest.mark.django_db

QUESTION = "燃气球阀的手柄与管道垂直时，阀门处于什么状态？"
EXPLANATION = "手柄与管道垂直为关闭，平行为开启。"


def list_items(prefix: str, values: list) -> dict:
    data = {f"{prefix}-count": str(len(values))}
    for n, value in enumerate(values):
        data.update(
            {
                f"{prefix}-{n}-value": str(value),
                f"{prefix}-{n}-deleted": "",
                f"{prefix}-{n}-order": str(n),
                f"{prefix}-{n}-id": f"item-{n}",
            }
        )
    return data


def form_with_check(lesson=None, **overrides) -> dict:
    data = lesson_form(lesson, **overrides)
    data.update(
        {
            "body-count": "2",
            "body-1-type": "knowledge_check",
            "body-1-deleted": "",
            "body-1-order": "1",
            "body-1-id": "check-1",
            "body-1-value-question": QUESTION,
            "body-1-value-explanation": EXPLANATION,
            **list_items("body-1-value-options", ["开启", "关闭"]),
            **list_items("body-1-value-correct", [2]),
        }
    )
    return data


def test_preview_of_a_lesson_shows_its_check_without_the_answer(client, people, courses):
    lesson = LessonPage.objects.child_of(courses["granted"]).first()
    client.force_login(people["trainer"])
    url = f"/admin/pages/{lesson.pk}/edit/preview/"
    response = client.post(url, form_with_check(lesson))
    assert response.json()["is_valid"], response.content.decode()[:2000]

    html = client.get(url).content.decode()
    assert QUESTION in html
    assert 'name="check-1"' in html
    assert EXPLANATION not in html
    assert "data-correct" not in html


def test_preview_of_a_new_lesson_renders(client, people, courses):
    client.force_login(people["trainer"])
    url = f"/admin/pages/add/courses/lessonpage/{courses['granted'].pk}/preview/"
    response = client.post(url, form_with_check(title="新课时", slug="brand-new"))
    assert response.json()["is_valid"], response.content.decode()[:2000]
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "新课时" in html and QUESTION in html and EXPLANATION not in html


def test_saved_check_is_validated(client, people, courses):
    lesson = LessonPage.objects.child_of(courses["granted"]).first()
    client.force_login(people["trainer"])
    data = form_with_check(lesson)
    data.update(list_items("body-1-value-correct", [3]))  # only two options
    revisions = lesson.revisions.count()
    response = client.post(f"/admin/pages/{lesson.pk}/edit/", data)
    assert response.status_code == 200  # the form again, with the error
    html = response.content.decode()
    message = "正确选项序号必须在 1 到 2 之间"
    # The StreamField's errors travel to the editor's script as JSON.
    assert message in html or message.encode("unicode_escape").decode() in html
    assert lesson.revisions.count() == revisions
