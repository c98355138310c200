"""Drills and sessions for the tests: a drill of the 新竹 team going on now, one of the
柳州 team, a training session of 青秀区 taught by an instructor, and a published course."""

import datetime
import io

from django.utils import timezone

import pytest
from PIL import Image

from lms.models import QualificationLevel
from lms.services.drills import drill_create
from lms.services.instructors import instructor_create
from lms.services.sessions import session_create
from tests.factories import CourseIndexPageFactory, UserFactory, course_with_lessons


def png_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def new_drill(by, team, *, title="防汛转移避险演练", starts_in=-10, minutes=90):
    """A drill of `team` starting `starts_in` minutes from now (negative: already begun)."""
    starts_at = timezone.now() + datetime.timedelta(minutes=starts_in)
    return drill_create(
        by=by,
        title=title,
        scenario="flood_evacuation",
        teams=[team],
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        place="新竹社区广场",
        organiser="新竹社区居委会",
        objectives="熟悉转移路线",
    )


@pytest.fixture
def drill(world):
    return new_drill(world["leader_user"], world["qingxiu_team"])


@pytest.fixture
def other_drill(world):
    """A drill of the 柳州 team, made by that county's administrator."""
    return new_drill(world["liuzhou_admin"], world["liuzhou_team"], title="柳州地震疏散演练")


@pytest.fixture
def course(site_tree):
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    return course_with_lessons(catalog, code="FA-101", lessons=2, title="应急救护基础")


@pytest.fixture
def instructor(world):
    user = UserFactory(username="trainer")
    return instructor_create(
        name="黄教官",
        qualification_level=QualificationLevel.COUNTY,
        areas=[world["areas"]["qingxiu"]],
        user=user,
    )


@pytest.fixture
def session(world, course, instructor):
    starts_at = timezone.now() - datetime.timedelta(minutes=15)
    return session_create(
        by=world["qingxiu_admin"],
        title="应急救护培训（第一期）",
        course=course,
        area=world["areas"]["qingxiu"],
        teams=[world["qingxiu_team"]],
        instructors=[instructor],
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        place="青秀区应急管理局培训室",
        credit_hours="2",
    )


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)
