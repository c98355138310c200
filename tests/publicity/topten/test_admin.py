"""The admin screen 十佳评选: who sees it, announcing after a preview of the live ranking,
withdrawing with a reason; everyone outside the area gets a 404."""

import pytest

from lms.services.compliance import teams_evaluate
from publicity.models import TopTenEntry, TopTenSelection
from publicity.services.topten import top_ten_announce

from .conftest import page_text, this_year

pytestmark = pytest.mark.django_db

INDEX = "/admin/publicity/top-ten/"
ANNOUNCE = "/admin/publicity/top-ten/announce/"


def withdraw_url(selection) -> str:
    return f"/admin/publicity/top-ten/{selection.pk}/withdraw/"


@pytest.fixture
def region_list(ranked, region_admin):
    return top_ten_announce(year=this_year(), area=ranked["areas"]["region"], user=region_admin)


def test_anonymous_visitors_and_members_have_no_admin_access(client, ranked, region_list):
    for url in [INDEX, ANNOUNCE, withdraw_url(region_list)]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(ranked["member_user"])
    for url in [INDEX, ANNOUNCE, withdraw_url(region_list)]:
        assert client.get(url).status_code in (302, 403, 404)
        assert client.post(url, {"reason": "x", "year": this_year()}).status_code in (302, 403, 404)
    assert TopTenSelection.objects.count() == 1


def test_a_team_leader_gets_nothing(client, ranked, region_list):
    # The leader may open the admin (for the team's records) but not this screen.
    client.force_login(ranked["leader_user"])
    assert client.get("/admin/").status_code == 200
    assert INDEX not in client.get("/admin/").content.decode()  # the menu (sidebar JSON)
    for url in [INDEX, ANNOUNCE, withdraw_url(region_list)]:
        assert client.get(url).status_code == 404
    assert client.post(withdraw_url(region_list), {"reason": "撤回"}).status_code == 404
    post = {"year": this_year(), "area": ranked["areas"]["nanning"].pk}
    assert client.post(ANNOUNCE, post).status_code == 404
    assert TopTenSelection.objects.count() == 1


def test_a_county_administrator_reads_the_lists_only(client, ranked, region_list):
    client.force_login(ranked["qingxiu_admin"])
    assert INDEX in client.get("/admin/").content.decode()  # the menu (sidebar JSON)
    index = client.get(INDEX)
    assert index.status_code == 200
    text = page_text(index.content)
    assert ranked["areas"]["region"].name in text
    assert 'id="topten-announce"' not in index.content.decode()
    assert withdraw_url(region_list) not in index.content.decode()
    assert client.get(ANNOUNCE).status_code == 404
    post = {"year": this_year(), "area": ranked["areas"]["nanning"].pk}
    assert client.post(ANNOUNCE, post).status_code == 404
    assert client.get(withdraw_url(region_list)).status_code == 404
    assert client.post(withdraw_url(region_list), {"reason": "撤回"}).status_code == 404
    assert TopTenSelection.objects.count() == 1


def test_a_city_administrator_announces_the_city_after_a_preview(
    client, sections, ranked, nanning_admin
):
    areas = ranked["areas"]
    client.force_login(nanning_admin)
    form = client.get(ANNOUNCE)
    assert form.status_code == 200
    choices = form.context["form"].fields["area"].queryset
    assert list(choices) == [areas["nanning"]]  # not the region, not Liuzhou

    # Another city (or the region) is not a choice: refused, nothing written.
    for other in (areas["liuzhou"], areas["region"]):
        refused = client.post(ANNOUNCE, {"year": this_year(), "area": other.pk})
        assert refused.status_code == 200
        assert refused.context["form"].errors["area"]
    assert not TopTenSelection.objects.exists()

    preview = client.get(ANNOUNCE, {"year": this_year(), "area": areas["nanning"].pk})
    assert preview.status_code == 200
    text = page_text(preview.content)
    assert "实时排名预览" in text
    assert text.index("桂雅路应急响应队") < text.index("民乐应急响应队")
    assert "西门应急响应队" not in text  # Liuzhou's
    assert 'id="topten-confirm-submit"' in preview.content.decode()
    assert not TopTenSelection.objects.exists()  # a preview writes nothing

    done = client.post(
        ANNOUNCE, {"year": this_year(), "area": areas["nanning"].pk, "note": "市级表彰"}
    )
    assert done.status_code == 302 and done["Location"] == INDEX
    selection = TopTenSelection.objects.get()
    assert (selection.area, selection.note, selection.announced_by) == (
        areas["nanning"],
        "市级表彰",
        nanning_admin,
    )
    assert [e.team_name for e in selection.entries.all()] == ["桂雅路应急响应队", "民乐应急响应队"]
    listing = client.get(INDEX).content.decode()
    assert f'href="/top-ten/{this_year()}/450100/"' in listing  # its public page
    assert client.get(f"/top-ten/{this_year()}/450100/").status_code == 200

    # Announcing it again shows why it cannot be done.
    again = client.post(ANNOUNCE, {"year": this_year(), "area": areas["nanning"].pk})
    assert again.status_code == 200
    assert "已经公布" in page_text(again.content)
    assert TopTenSelection.objects.count() == 1


def test_a_year_with_nothing_ranked_is_refused_on_the_screen(client, ranked, region_admin):
    client.force_login(region_admin)
    post = {"year": this_year() - 1, "area": ranked["areas"]["region"].pk}
    # Last year is not offered (no evaluations); a forged year is not a choice either.
    assert client.post(ANNOUNCE, post).context["form"].errors["year"]
    assert client.post(ANNOUNCE, {**post, "year": this_year() + 1}).context["form"].errors["year"]
    ranked["full"].members.update(left_on="2000-01-01")
    ranked["covered"].members.update(left_on="2000-01-01")
    teams_evaluate()
    nanning = client.post(ANNOUNCE, {"year": this_year(), "area": ranked["areas"]["nanning"].pk})
    assert "没有参加排名的队伍" in page_text(nanning.content)
    assert not TopTenSelection.objects.exists()


def test_withdrawing_needs_a_reason_then_the_list_can_be_announced_again(
    client, ranked, region_admin, region_list
):
    client.force_login(region_admin)
    index = client.get(INDEX)
    assert withdraw_url(region_list) in index.content.decode()
    page = client.get(withdraw_url(region_list))
    assert page.status_code == 200
    assert "桂雅路应急响应队" in page_text(page.content)

    no_reason = client.post(withdraw_url(region_list), {"reason": ""})
    assert no_reason.status_code == 200
    assert "请填写撤回的原因。" in page_text(no_reason.content)
    assert TopTenSelection.objects.filter(pk=region_list.pk).exists()

    done = client.post(withdraw_url(region_list), {"reason": "数据核实后重新公布"})
    assert done.status_code == 302 and done["Location"] == INDEX
    assert not TopTenSelection.objects.exists() and not TopTenEntry.objects.exists()
    assert client.get(withdraw_url(region_list)).status_code == 404

    region = ranked["areas"]["region"]
    again = client.post(ANNOUNCE, {"year": this_year(), "area": region.pk})
    assert again.status_code == 302
    assert TopTenSelection.objects.get().entries.count() == 3


def test_another_county_or_city_administrator_cannot_withdraw(
    client, ranked, nanning_admin, region_admin
):
    city_list = top_ten_announce(
        year=this_year(), area=ranked["areas"]["nanning"], user=nanning_admin
    )
    region = top_ten_announce(year=this_year(), area=ranked["areas"]["region"], user=region_admin)
    for user in (ranked["liuzhou_admin"], ranked["qingxiu_admin"]):
        client.force_login(user)
        assert client.post(withdraw_url(city_list), {"reason": "x"}).status_code == 404
    client.force_login(nanning_admin)
    assert client.post(withdraw_url(region), {"reason": "x"}).status_code == 404
    assert TopTenSelection.objects.count() == 2
    # The region's administrator may withdraw a city's list (the level above).
    client.force_login(region_admin)
    assert client.post(withdraw_url(city_list), {"reason": "复核"}).status_code == 302
    assert list(TopTenSelection.objects.all()) == [region]
