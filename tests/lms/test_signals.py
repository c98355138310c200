"""A course page shows its instructors: changing them clears the cached page."""

import pytest

from lms.models import QualificationLevel
from lms.services.instructors import instructor_create
from tests.factories import CourseIndexPageFactory, area_tree, course_with_lessons

pytestmark = pytest.mark.django_db


def test_adding_an_instructor_to_a_course_clears_its_cached_page(client, site_tree):
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    course = course_with_lessons(catalog, code="FA-1", lessons=1)
    instructor = instructor_create(
        name="覃老师",
        qualification_level=QualificationLevel.REGION,
        areas=[area_tree()["region"]],
    )
    client.get(course.url)
    assert client.get(course.url)["X-Page-Cache"] == "hit"
    instructor.courses.add(course)
    response = client.get(course.url)
    assert response["X-Page-Cache"] == "miss"
    assert "覃老师" in response.content.decode()
