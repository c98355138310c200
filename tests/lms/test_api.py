"""The JSON API at /api/v1/, from the outside: who may see and change what."""

import datetime
import logging

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail.models import APIToken

import pytest

from lms.models import AreaAdministrator, Instructor, Member, MemberCategory, TeamStatus
from lms.services.teams import team_set_leaders
from tests.factories import MemberFactory, TeamFactory, UserFactory, area_tree, valid_id_number

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world():
    """Two teams in 青秀区 (南宁), one in 城中区 (柳州); a leader and a member in the first."""
    tree = area_tree()
    xinzhu = TeamFactory(community=tree["xinzhu_1"])
    guiya = TeamFactory(community=tree["xinzhu_2"])
    park = TeamFactory(community=tree["chengzhong_1"])
    leader = MemberFactory(team=xinzhu, name="韦队长", user=UserFactory(username="leader"))
    team_set_leaders(team=xinzhu, leader=leader)
    member = MemberFactory(team=xinzhu, name="黄队员", user=UserFactory(username="member"))
    MemberFactory(team=xinzhu, name="覃离队", left_on=datetime.date(2024, 6, 1))
    guiya_member = MemberFactory(
        team=guiya, name="陆桂雅", category=MemberCategory.VETERAN, phone="13900000001"
    )
    liuzhou_member = MemberFactory(team=park, name="柳公园")
    county = UserFactory(username="county")
    AreaAdministrator.objects.create(user=county, area=tree["qingxiu"])
    return {
        "tree": tree,
        "xinzhu": xinzhu,
        "guiya": guiya,
        "park": park,
        "leader": leader,
        "member": member,
        "guiya_member": guiya_member,
        "liuzhou_member": liuzhou_member,
        "county": county,
    }


def _as(client, user):
    client.force_login(user)
    return client


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _names(response):
    return sorted(item["name"] for item in response.json()["items"])


def _new_member(team, /, **overrides):
    birth = datetime.date(1992, 3, 4)
    data = {
        "team": team.pk,
        "name": "农新队员",
        "gender": "F",
        "birth_date": birth.isoformat(),
        "phone": "13712345678",
        "id_number": valid_id_number(birth, 321),
        "category": "medical",
    }
    data.update(overrides)
    return data


# -- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/members", "/me", "/areas", "/teams", "/instructors"])
def test_anonymous_is_401_with_a_reason(client, world, path):
    response = client.get(API + path)
    assert response.status_code == 401
    assert "登录" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_post_is_401_not_a_csrf_failure(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"{API}/members", _new_member(world["xinzhu"]), content_type="application/json"
    )
    assert response.status_code == 401
    assert not Member.objects.filter(name="农新队员").exists()


def test_bearer_token_authenticates_and_records_its_use(client, world):
    api_token, plaintext = APIToken.create_token(user=world["county"], name="报表系统")
    response = client.get(f"{API}/me", headers=_bearer(plaintext))
    assert response.status_code == 200
    assert response.json()["username"] == "county"
    api_token.refresh_from_db()
    assert api_token.last_used_at is not None


def test_revoked_token_is_401(client, world):
    api_token, plaintext = APIToken.create_token(user=world["county"], name="旧令牌")
    api_token.revoke()
    response = client.get(f"{API}/members", headers=_bearer(plaintext))
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "wagtail_short",
        "",
        # Well formed (checksum and all), but never issued. A fixed id: the token is random,
        # and pytest-xdist's workers must collect the same test names.
        pytest.param(APIToken.generate_token(), id="well-formed-never-issued"),
    ],
)
def test_malformed_or_unknown_token_is_401(client, world, token):
    response = client.get(f"{API}/members", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_token_of_a_deactivated_user_is_401(client, world):
    _token, plaintext = APIToken.create_token(user=world["county"], name="报表系统")
    world["county"].is_active = False
    world["county"].save()
    assert client.get(f"{API}/members", headers=_bearer(plaintext)).status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(client, world):
    """A presented credential that fails is refused, even if a session cookie would pass."""
    _as(client, world["county"])
    assert client.get(f"{API}/members", headers=_bearer("wagtail_junk")).status_code == 401


def test_session_writes_need_csrf_and_tokens_do_not(world):
    leader = world["leader"].user
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(leader)
    refused = browser.post(
        f"{API}/members", _new_member(world["xinzhu"]), content_type="application/json"
    )
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Member.objects.filter(name="农新队员").exists()

    _token, plaintext = APIToken.create_token(user=leader, name="名册同步")
    scripted = Client(enforce_csrf_checks=True)
    accepted = scripted.post(
        f"{API}/members",
        _new_member(world["xinzhu"]),
        content_type="application/json",
        headers=_bearer(plaintext),
    )
    assert accepted.status_code == 201


# -- scope: county administrator -----------------------------------------------------------


def test_county_admin_lists_the_members_of_their_county_only(client, world):
    response = _as(client, world["county"]).get(f"{API}/members")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert _names(response) == sorted(["韦队长", "黄队员", "覃离队", "陆桂雅"])


def test_county_admin_gets_404_for_a_member_of_another_county(client, world):
    _as(client, world["county"])
    outside = client.get(f"{API}/members/{world['liuzhou_member'].pk}")
    assert outside.status_code == 404
    assert outside.json() == {"detail": "未找到该队员。"}
    # The same answer as for an id that does not exist: ids cannot be probed.
    missing = client.get(f"{API}/members/999999")
    assert missing.status_code == 404
    assert missing.json() == outside.json()
    inside = client.get(f"{API}/members/{world['guiya_member'].pk}")
    assert inside.status_code == 200
    assert inside.json()["team"] == {"id": world["guiya"].pk, "name": world["guiya"].name}


def test_county_admin_cannot_reach_another_countys_team(client, world):
    _as(client, world["county"])
    park = world["park"].pk
    assert client.get(f"{API}/members?team={park}").json() == {"items": [], "count": 0}
    assert client.get(f"{API}/teams/{park}").status_code == 404
    assert client.get(f"{API}/teams/{park}/members").status_code == 404
    area = world["tree"]["chengzhong"].pk
    assert client.get(f"{API}/members?area={area}").json()["count"] == 0
    assert client.get(f"{API}/areas/{area}").status_code == 404


def test_county_admin_sees_the_areas_and_teams_of_their_subtree(client, world):
    _as(client, world["county"])
    areas = client.get(f"{API}/areas").json()
    assert [a["name"] for a in areas["items"]] == ["青秀区", "新竹街道", "新竹社区", "桂雅路社区"]
    county = areas["items"][0]
    assert county["level"] == 3
    assert county["level_label"] == "县（市、区）"
    assert county["parent_id"] == world["tree"]["nanning"].pk
    teams = client.get(f"{API}/teams").json()
    assert teams["count"] == 2
    assert {t["id"] for t in teams["items"]} == {world["xinzhu"].pk, world["guiya"].pk}


# -- scope: team leader and plain member --------------------------------------------------------


def test_leader_sees_only_their_team(client, world):
    _as(client, world["leader"].user)
    members = client.get(f"{API}/members")
    assert _names(members) == sorted(["韦队长", "黄队员", "覃离队"])
    teams = client.get(f"{API}/teams").json()
    assert [t["id"] for t in teams["items"]] == [world["xinzhu"].pk]
    assert teams["items"][0]["leader"] == {"id": world["leader"].pk, "name": "韦队长"}
    assert teams["items"][0]["member_count"] == 2  # 覃离队 has left
    assert client.get(f"{API}/members/{world['guiya_member'].pk}").status_code == 404
    assert client.get(f"{API}/teams/{world['guiya'].pk}/members").status_code == 404
    roster = client.get(f"{API}/teams/{world['xinzhu'].pk}/members").json()
    assert roster["count"] == 3


def test_member_sees_only_themself(client, world):
    _as(client, world["member"].user)
    members = client.get(f"{API}/members").json()
    assert [m["name"] for m in members["items"]] == ["黄队员"]
    assert client.get(f"{API}/members/{world['leader'].pk}").status_code == 404
    assert client.get(f"{API}/members/{world['member'].pk}").status_code == 200
    roster = client.get(f"{API}/teams/{world['xinzhu'].pk}/members").json()
    assert [m["name"] for m in roster["items"]] == ["黄队员"]
    teams = client.get(f"{API}/teams").json()
    assert [(t["id"], t["member_count"]) for t in teams["items"]] == [(world["xinzhu"].pk, 2)]
    assert client.get(f"{API}/teams/{world['guiya'].pk}").status_code == 404
    assert client.get(f"{API}/areas").json()["count"] == 0


def test_me_summarises_each_role(client, world):
    me = _as(client, world["county"]).get(f"{API}/me").json()
    assert me["roles"] == ["area_admin"]
    assert [a["name"] for a in me["administered_areas"]] == ["青秀区"]
    assert me["manages_records"] is True
    assert me["can_view_id_numbers"] is False

    me = _as(Client(), world["leader"].user).get(f"{API}/me").json()
    assert me["roles"] == ["leader", "member"]
    assert me["led_teams"] == [{"id": world["xinzhu"].pk, "name": world["xinzhu"].name}]
    assert me["member"]["team"]["id"] == world["xinzhu"].pk

    me = _as(Client(), world["member"].user).get(f"{API}/me").json()
    assert me["roles"] == ["member"]
    assert me["manages_records"] is False
    assert me["led_teams"] == []

    me = _as(Client(), UserFactory(username="root", is_superuser=True)).get(f"{API}/me").json()
    assert me["roles"] == ["superuser"]


# -- ID numbers ------------------------------------------------------------------------


def test_id_numbers_are_masked_without_the_permission(client, world):
    member = world["guiya_member"]
    body = _as(client, world["county"]).get(f"{API}/members/{member.pk}").json()
    assert body["id_number"] == member.id_number_masked
    assert body["id_number"] != member.id_number
    assert "*" in body["id_number"]
    leader_view = _as(Client(), world["leader"].user).get(f"{API}/members").json()
    assert all("*" in m["id_number"] for m in leader_view["items"])


def test_id_numbers_are_shown_in_full_with_the_permission(client, world):
    AreaAdministrator.objects.filter(user=world["county"]).update(can_view_id_numbers=True)
    member = world["guiya_member"]
    body = _as(client, world["county"]).get(f"{API}/members/{member.pk}").json()
    assert body["id_number"] == member.id_number


def test_permission_to_see_id_numbers_stops_at_its_subtree(client, world):
    """A city office may see full numbers in one county only: elsewhere they stay masked."""
    user = UserFactory(username="region")
    tree = world["tree"]
    AreaAdministrator.objects.create(user=user, area=tree["qingxiu"], can_view_id_numbers=True)
    AreaAdministrator.objects.create(user=user, area=tree["liuzhou"])
    items = {
        m["id"]: m["id_number"] for m in _as(client, user).get(f"{API}/members").json()["items"]
    }
    assert items[world["guiya_member"].pk] == world["guiya_member"].id_number
    assert items[world["liuzhou_member"].pk] == world["liuzhou_member"].id_number_masked


def test_member_output_shape(client, world):
    member = world["guiya_member"]
    body = _as(client, world["county"]).get(f"{API}/members/{member.pk}").json()
    assert body == {
        "id": member.pk,
        "name": "陆桂雅",
        "gender": "M",
        "birth_date": "1985-06-15",
        "phone": "13900000001",
        "id_number": member.id_number_masked,
        "category": {"code": "veteran", "label": "退役军人"},
        "team": {"id": world["guiya"].pk, "name": world["guiya"].name},
        "joined_on": "2024-03-01",
        "left_on": None,
        "active": True,
        "skills": "",
    }


def test_id_numbers_are_never_logged(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    _as(client, world["leader"].user)
    good = _new_member(world["xinzhu"])
    bad = _new_member(world["xinzhu"], id_number=good["id_number"][:-1] + "0", phone="13799999999")
    assert client.post(f"{API}/members", bad, content_type="application/json").status_code == 400
    assert client.post(f"{API}/members", good, content_type="application/json").status_code == 201
    client.get(f"{API}/members")
    assert caplog.records  # the refusal was logged (django.request) ...
    for number in (good["id_number"], bad["id_number"], world["leader"].id_number):
        assert number not in caplog.text  # ... but never a number


# -- writes ----------------------------------------------------------------------------


def test_leader_adds_a_member_to_their_team(client, world):
    response = _as(client, world["leader"].user).post(
        f"{API}/members", _new_member(world["xinzhu"]), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    created = Member.objects.get(pk=body["id"])
    assert created.team == world["xinzhu"]
    assert created.name_pinyin  # set by the service
    assert body["category"] == {"code": "medical", "label": "社区医疗服务中心医疗人员"}
    assert body["id_number"] == created.id_number_masked
    assert created.history.first().history_user == world["leader"].user


def test_leader_cannot_add_to_another_team(client, world):
    response = _as(client, world["leader"].user).post(
        f"{API}/members", _new_member(world["guiya"]), content_type="application/json"
    )
    assert response.status_code == 404
    assert "未找到该队伍" in response.json()["detail"]
    assert not Member.objects.filter(name="农新队员").exists()


def test_plain_member_cannot_add(client, world):
    response = _as(client, world["member"].user).post(
        f"{API}/members", _new_member(world["xinzhu"]), content_type="application/json"
    )
    assert response.status_code == 404
    assert not Member.objects.filter(name="农新队员").exists()


def test_county_admin_adds_anywhere_in_the_county_with_a_token(client, world):
    _token, plaintext = APIToken.create_token(user=world["county"], name="名册同步")
    response = client.post(
        f"{API}/members",
        _new_member(world["guiya"]),
        content_type="application/json",
        headers=_bearer(plaintext),
    )
    assert response.status_code == 201
    assert Member.objects.get(name="农新队员").history.first().history_user == world["county"]


def test_bad_id_number_is_400_and_nothing_is_created(client, world):
    data = _new_member(world["xinzhu"])
    data["id_number"] = data["id_number"][:-1] + ("0" if data["id_number"][-1] != "0" else "1")
    response = _as(client, world["leader"].user).post(
        f"{API}/members", data, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "身份证号校验位不正确，请核对号码。", "field": "id_number"}
    assert not Member.objects.filter(name="农新队员").exists()


def test_a_duplicate_outside_the_scope_is_refused_without_naming_its_team(client, world):
    _as(client, world["county"])
    outside = world["liuzhou_member"]
    data = _new_member(
        world["guiya"], id_number=outside.id_number, birth_date=outside.birth_date.isoformat()
    )
    response = client.post(f"{API}/members", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "该身份证号已被登记，不能重复登记。", "field": "id_number"}
    assert world["liuzhou_member"].team.name not in response.json()["detail"]
    assert not Member.objects.filter(name="农新队员").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "astronaut"}, "category"),
        ({"gender": "X"}, "gender"),
        ({"birth_date": "去年"}, "birth_date"),
        ({"team": "第一队"}, "team"),
        ({"name": None}, "name"),
        ({"user": 1}, "user"),
    ],
)
def test_malformed_payload_is_refused_with_a_reason(client, world, overrides, field):
    response = _as(client, world["leader"].user).post(
        f"{API}/members", _new_member(world["xinzhu"], **overrides), content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["detail"].startswith("请求数据有误")
    assert not Member.objects.filter(phone="13712345678").exists()


def test_missing_fields_and_broken_json_are_refused(client, world):
    _as(client, world["leader"].user)
    missing = client.post(
        f"{API}/members", {"team": world["xinzhu"].pk}, content_type="application/json"
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {"name", "id_number", "category"}
    assert "必填" in missing.json()["detail"]
    broken = client.post(f"{API}/members", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["detail"] == "请求体不是有效的 JSON。"
    a_list = client.post(f"{API}/members", [1, 2], content_type="application/json")
    assert a_list.status_code == 422
    assert a_list.json()["detail"] == "请求数据有误：请求体应为 JSON 对象。"
    assert Member.objects.count() == 5


def test_leader_updates_a_member(client, world):
    member = world["member"]
    response = _as(client, world["leader"].user).patch(
        f"{API}/members/{member.pk}",
        {"phone": "139-0000-0002", "left_on": "2025-01-31"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "13900000002"
    assert response.json()["active"] is False
    member.refresh_from_db()
    assert member.left_on == datetime.date(2025, 1, 31)
    assert member.name == "黄队员"  # untouched

    back = client.patch(
        f"{API}/members/{member.pk}", {"left_on": None}, content_type="application/json"
    )
    assert back.json()["active"] is True


def test_update_with_a_bad_value_changes_nothing(client, world):
    member = world["member"]
    before = (member.phone, member.id_number, member.name)
    _as(client, world["leader"].user)
    bad_id = client.patch(
        f"{API}/members/{member.pk}",
        {"phone": "13911112222", "id_number": "450103198506150000"},
        content_type="application/json",
    )
    assert bad_id.status_code == 400
    assert bad_id.json()["field"] == "id_number"
    null_name = client.patch(
        f"{API}/members/{member.pk}", {"name": None}, content_type="application/json"
    )
    assert null_name.status_code == 422
    assert null_name.json()["field"] == "name"
    wrong_category = client.patch(
        f"{API}/members/{member.pk}", {"category": "pilot"}, content_type="application/json"
    )
    assert wrong_category.status_code == 422
    member.refresh_from_db()
    assert (member.phone, member.id_number, member.name) == before


def test_update_is_scoped(client, world):
    member = world["member"]
    # A plain member reads their record but may not change it; a leader may not move
    # a member into a team they do not manage; a county admin may not reach 柳州.
    assert (
        _as(client, member.user)
        .patch(
            f"{API}/members/{member.pk}", {"phone": "13911112222"}, content_type="application/json"
        )
        .status_code
        == 404
    )
    leader = _as(Client(), world["leader"].user)
    moved = leader.patch(
        f"{API}/members/{member.pk}", {"team": world["guiya"].pk}, content_type="application/json"
    )
    assert moved.status_code == 404
    county = _as(Client(), world["county"])
    outside = county.patch(
        f"{API}/members/{world['liuzhou_member'].pk}",
        {"phone": "13911112222"},
        content_type="application/json",
    )
    assert outside.status_code == 404
    member.refresh_from_db()
    assert member.team == world["xinzhu"]
    assert member.phone != "13911112222"
    # Within the county the administrator may move a member between teams.
    assert (
        county.patch(
            f"{API}/members/{member.pk}",
            {"team": world["guiya"].pk},
            content_type="application/json",
        ).json()["team"]["id"]
        == world["guiya"].pk
    )


# -- filters and pagination ------------------------------------------------------------


def test_member_filters(client, world):
    _as(client, world["county"])
    tree = world["tree"]
    assert client.get(f"{API}/members?category=veteran").json()["count"] == 1
    assert client.get(f"{API}/members?active=false").json()["count"] == 1
    assert client.get(f"{API}/members?active=true").json()["count"] == 3
    assert _names(client.get(f"{API}/members?q=桂雅")) == ["陆桂雅"]
    assert _names(client.get(f"{API}/members?q=13900000001")) == ["陆桂雅"]
    assert client.get(f"{API}/members?team={world['guiya'].pk}").json()["count"] == 1
    assert client.get(f"{API}/members?area={tree['xinzhu_1'].pk}").json()["count"] == 3
    assert client.get(f"{API}/members?area={tree['qingxiu'].pk}").json()["count"] == 4
    assert client.get(f"{API}/members?area=999999").json()["count"] == 0
    bad = client.get(f"{API}/members?category=astronaut")
    assert bad.status_code == 422
    assert bad.json()["field"] == "category"


def test_a_leader_may_filter_by_an_area_above_their_team(client, world):
    _as(client, world["leader"].user)
    county = world["tree"]["qingxiu"].pk
    assert client.get(f"{API}/members?area={county}").json()["count"] == 3
    assert client.get(f"{API}/teams?area={county}").json()["count"] == 1


def test_team_and_area_filters(client, world):
    world["guiya"].status = TeamStatus.PREPARING
    world["guiya"].save()
    _as(client, UserFactory(username="root", is_superuser=True))
    tree = world["tree"]
    assert client.get(f"{API}/teams").json()["count"] == 3
    assert client.get(f"{API}/teams?area={tree['nanning'].pk}").json()["count"] == 2
    assert client.get(f"{API}/teams?status=preparing").json()["items"][0]["id"] == world["guiya"].pk
    assert client.get(f"{API}/teams?q=公园").json()["items"][0]["id"] == world["park"].pk
    cities = client.get(f"{API}/areas?level=2").json()
    assert [a["name"] for a in cities["items"]] == ["南宁市", "柳州市"]
    children = client.get(f"{API}/areas?parent={tree['xinzhu'].pk}").json()
    assert [a["name"] for a in children["items"]] == ["新竹社区", "桂雅路社区"]
    assert client.get(f"{API}/areas/{tree['region'].pk}").json()["parent_id"] is None


def test_pagination_counts_and_caps_the_page_size(client, world):
    team = world["xinzhu"]
    Member.objects.bulk_create(MemberFactory.build_batch(205, team=team))
    _as(client, world["leader"].user)
    first = client.get(f"{API}/members").json()
    assert first["count"] == 208
    assert len(first["items"]) == 50
    last = client.get(f"{API}/members?page=5").json()
    assert len(last["items"]) == 8
    assert len(client.get(f"{API}/members?page_size=10").json()["items"]) == 10
    assert len(client.get(f"{API}/members?page_size=1000").json()["items"]) == 200
    assert client.get(f"{API}/members?page=0").status_code == 422
    ids = {
        m["id"]
        for page in range(1, 6)
        for m in client.get(f"{API}/members?page={page}").json()["items"]
    }
    assert len(ids) == 208


@pytest.mark.parametrize(
    "path", ["/members", "/teams", "/areas", "/instructors", "/teams/{team}/members"]
)
def test_queries_per_page_do_not_grow_with_the_page(client, world, path):
    AreaAdministrator.objects.filter(user=world["county"]).update(can_view_id_numbers=True)
    tree = world["tree"]
    _as(client, world["county"])
    url = API + path.format(team=world["xinzhu"].pk)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add_instructors(n):
        for i in range(n):
            instructor = Instructor.objects.create(
                name=f"教员{i}", name_pinyin=f"jiao{i}", qualification_level="county"
            )
            instructor.areas.set([tree["qingxiu"], tree["xinzhu_1"]])

    add_instructors(1)
    before = count_queries()
    Member.objects.bulk_create(MemberFactory.build_batch(30, team=world["xinzhu"]))
    add_instructors(5)
    assert count_queries() == before
    assert before <= 10


# -- instructors -----------------------------------------------------------------------


def test_instructors_serving_the_area_are_listed(client, world):
    tree = world["tree"]
    local = Instructor.objects.create(
        name="蒙教员", name_pinyin="meng2", qualification_level="county"
    )
    local.areas.set([tree["qingxiu"]])
    regional = Instructor.objects.create(
        name="区教员", name_pinyin="qu1", qualification_level="region"
    )
    regional.areas.set([tree["region"]])
    elsewhere = Instructor.objects.create(
        name="柳教员", name_pinyin="liu3", qualification_level="city"
    )
    elsewhere.areas.set([tree["liuzhou"]])
    _as(client, world["county"])
    listed = client.get(f"{API}/instructors").json()
    assert {i["name"] for i in listed["items"]} == {"蒙教员", "区教员"}
    detail = client.get(f"{API}/instructors/{local.pk}").json()
    assert detail["qualification_level"] == {"code": "county", "label": "县级"}
    assert detail["areas"] == [{"id": tree["qingxiu"].pk, "name": "青秀区", "code": "450103"}]
    assert client.get(f"{API}/instructors/{elsewhere.pk}").status_code == 404
    assert client.get(f"{API}/instructors?qualification_level=region").json()["count"] == 1


# -- the schema ------------------------------------------------------------------------


def test_openapi_schema_and_docs_load(client, db):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    for path in (
        "/me",
        "/areas",
        "/areas/{area_id}",
        "/teams",
        "/teams/{team_id}",
        "/teams/{team_id}/members",
        "/members",
        "/members/{member_id}",
        "/instructors",
        "/instructors/{instructor_id}",
    ):
        assert API + path in schema["paths"]
    assert set(schema["paths"][f"{API}/members"]) == {"get", "post"}
    assert "patch" in schema["paths"][f"{API}/members/{{member_id}}"]
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert client.get(f"{API}/docs").status_code == 200


def test_responses_are_not_cached_by_intermediaries(client, world):
    response = _as(client, world["county"]).get(f"{API}/members")
    assert "no-store" in response["Cache-Control"]


def test_token_last_used_is_not_rewritten_on_every_request(client, world):
    api_token, plaintext = APIToken.create_token(user=world["county"], name="报表系统")
    client.get(f"{API}/me", headers=_bearer(plaintext))
    api_token.refresh_from_db()
    first_use = api_token.last_used_at
    client.get(f"{API}/me", headers=_bearer(plaintext))
    api_token.refresh_from_db()
    assert api_token.last_used_at == first_use
    APIToken.objects.filter(pk=api_token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client.get(f"{API}/me", headers=_bearer(plaintext))
    api_token.refresh_from_db()
    assert api_token.last_used_at > timezone.now() - datetime.timedelta(minutes=1)
