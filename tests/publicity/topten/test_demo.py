"""The demo announces the latest ranked year's region list, once."""

import io

from django.core.management.base import OutputWrapper

import pytest

from publicity.demo import topten
from publicity.models import TopTenSelection
from tests.factories import UserFactory

from .conftest import this_year

pytestmark = pytest.mark.django_db


def test_the_demo_announces_the_region_once(ranked):
    UserFactory(username="admin", is_superuser=True)
    buffer = io.StringIO()
    out = OutputWrapper(buffer)  # what seed_demo passes: one line per write
    topten.seed(out)
    topten.seed(out)
    selection = TopTenSelection.objects.get()
    assert (selection.year, selection.area) == (this_year(), ranked["areas"]["region"])
    assert selection.entries.count() == 3
    first, second = buffer.getvalue().splitlines()
    assert f"公布 {this_year()} 年度全区十佳，3 支队伍" in first
    assert "已公布" in second and "跳过" in second


def test_nothing_ranked_nothing_announced(world):
    UserFactory(username="admin", is_superuser=True)
    buffer = io.StringIO()
    topten.seed(OutputWrapper(buffer))
    assert not TopTenSelection.objects.exists()
    assert "跳过" in buffer.getvalue()
