import datetime

import pytest

from lms.errors import DomainError
from lms.services.members import member_create, member_update
from tests.factories import MemberFactory, TeamFactory, area_tree, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(community=area_tree()["xinzhu_1"])


def _data(**overrides):
    birth = datetime.date(1990, 1, 2)
    data = {
        "name": "覃小明",
        "gender": "M",
        "birth_date": birth,
        "phone": "13812345678",
        "id_number": valid_id_number(birth, 17),
        "category": "veteran",
    }
    data.update(overrides)
    return data


def test_member_create_sets_pinyin_and_normalizes(team):
    member = member_create(team=team, **_data(phone="138-1234-5678"))
    assert member.name_pinyin == "qin2 xiao3 ming2"
    assert member.phone == "13812345678"
    assert member.id_number_masked == member.id_number[:4] + "*" * 10 + member.id_number[-4:]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "45010319900102001"}, "18 位"),
        ({"id_number": "450103199001020170"}, "校验位"),
        ({"birth_date": datetime.date(1991, 1, 2)}, "不一致"),
        ({"phone": "12345"}, "手机号"),
        ({"name": "  "}, "姓名"),
        ({"category": "astronaut"}, "人员类别"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(team, overrides, message):
    with pytest.raises(DomainError, match=message):
        member_create(team=team, **_data(**overrides))
    assert not team.members.exists()


def test_an_id_number_is_registered_once(team):
    existing = MemberFactory(team=team)
    with pytest.raises(DomainError, match="已被登记"):
        member_create(
            team=team, **_data(id_number=existing.id_number, birth_date=existing.birth_date)
        )


def test_update_keeps_history(team):
    member = member_create(team=team, **_data())
    member_update(member=member, phone="13900000000")
    assert [h.phone for h in member.history.order_by("history_date")] == [
        "13812345678",
        "13900000000",
    ]


def test_names_sort_by_pinyin(team):
    for name in ["张伟", "陈静", "阿强", "黄敏"]:
        MemberFactory(team=team, name=name)
    assert list(team.members.by_pinyin().values_list("name", flat=True)) == [
        "阿强",
        "陈静",
        "黄敏",
        "张伟",
    ]
