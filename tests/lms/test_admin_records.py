"""The Wagtail admin screens for teams and members, seen from inside and outside the scope."""

import pytest

from lms.models import AreaAdministrator, Member
from lms.services.members import member_update

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def test_county_admin_lists_only_their_county(client, world):
    client.force_login(world["qingxiu_admin"])
    page = html(client.get("/admin/lms/member/"))
    assert "陆队员" in page and "蒙队长" in page
    assert "柳州队员" not in page
    teams = html(client.get("/admin/lms/team/"))
    assert world["qingxiu_team"].name in teams
    assert world["liuzhou_team"].name not in teams


@pytest.mark.parametrize("view", ["edit", "history"])
def test_another_countys_member_is_not_found(client, world, view):
    client.force_login(world["qingxiu_admin"])
    other = world["other"]
    assert client.get(f"/admin/lms/member/{view}/{other.pk}/").status_code == 404
    own = world["member"]
    assert client.get(f"/admin/lms/member/{view}/{own.pk}/").status_code == 200


def test_county_admins_do_not_delete_members(client, world):
    # Members leave (a date); only the region deletes records (history keeps them anyway).
    client.force_login(world["qingxiu_admin"])
    client.post(f"/admin/lms/member/delete/{world['member'].pk}/")
    assert client.post(f"/admin/lms/member/delete/{world['other'].pk}/").status_code in (302, 404)
    assert Member.objects.filter(pk__in=[world["member"].pk, world["other"].pk]).count() == 2


def test_another_countys_team_cannot_be_changed(client, world):
    client.force_login(world["liuzhou_admin"])
    team = world["qingxiu_team"]
    response = client.post(f"/admin/lms/team/edit/{team.pk}/", {"name": "改名"})
    assert response.status_code == 404
    team.refresh_from_db()
    assert team.name != "改名"


def test_leader_sees_only_their_team(client, world):
    client.force_login(world["leader_user"])
    page = html(client.get("/admin/lms/member/"))
    assert "陆队员" in page
    assert "柳州队员" not in page
    assert client.get(f"/admin/lms/member/edit/{world['other'].pk}/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get("/admin/lms/member/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    response = client.get(f"/admin/lms/member/edit/{world['member'].pk}/")
    assert response.status_code == 302


def test_id_numbers_are_masked_unless_permitted(client, world):
    member = world["member"]
    client.force_login(world["qingxiu_admin"])
    listing = html(client.get("/admin/lms/member/"))
    assert member.id_number not in listing
    assert member.id_number_masked in listing
    edit = html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    assert member.id_number not in edit

    AreaAdministrator.objects.filter(user=world["qingxiu_admin"]).update(can_view_id_numbers=True)
    client.force_login(world["qingxiu_admin"])
    edit = html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    assert member.id_number in edit


def _member_form(member, **overrides):
    data = {
        "team": member.team_id,
        "name": member.name,
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "phone": member.phone,
        "category": member.category,
        "joined_on": member.joined_on.isoformat(),
        "left_on": "",
        "skills": "",
    }
    data.update(overrides)
    return data


def test_edit_goes_through_the_service_and_bad_input_changes_nothing(client, world):
    member = world["member"]
    client.force_login(world["qingxiu_admin"])
    response = client.post(
        f"/admin/lms/member/edit/{member.pk}/", _member_form(member, phone="12345")
    )
    assert response.status_code == 200
    assert "手机号应为 11 位" in html(response)
    assert Member.objects.get(pk=member.pk).phone == member.phone

    response = client.post(
        f"/admin/lms/member/edit/{member.pk}/", _member_form(member, phone="13900001111")
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).phone == "13900001111"


def test_member_cannot_be_moved_to_a_team_outside_the_scope(client, world):
    member = world["member"]
    client.force_login(world["qingxiu_admin"])
    response = client.post(
        f"/admin/lms/member/edit/{member.pk}/",
        _member_form(member, team=world["liuzhou_team"].pk),
    )
    assert response.status_code == 200  # the form refuses the choice
    assert Member.objects.get(pk=member.pk).team_id == world["qingxiu_team"].pk


def test_history_shows_who_changed_what(client, world):
    member = world["member"]
    client.force_login(world["qingxiu_admin"])
    client.post(f"/admin/lms/member/edit/{member.pk}/", _member_form(member, phone="13900002222"))
    member_update(member=Member.objects.get(pk=member.pk), skills="心肺复苏")
    page = html(client.get(f"/admin/lms/member/history/{member.pk}/"))
    assert "手机号" in page and "13900002222" in page
    assert "qingxiu-admin" in page
    assert "技能特长" in page and "心肺复苏" in page
    assert member.id_number not in page


def test_search_and_filters(client, world):
    client.force_login(world["qingxiu_admin"])
    assert "陆队员" in html(client.get("/admin/lms/member/", {"q": "陆队员"}))
    assert "蒙队长" not in html(client.get("/admin/lms/member/", {"q": "陆队员"}))
    filtered = html(client.get("/admin/lms/member/", {"category": "medical"}))
    assert "陆队员" not in filtered
    by_area = html(client.get("/admin/lms/member/", {"area": world["areas"]["xinzhu"].pk}))
    assert "陆队员" in by_area
