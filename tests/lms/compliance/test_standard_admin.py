"""The construction standard and the yearly targets in the Wagtail admin: region
administrators change them; other administrators only read them."""

import datetime
from decimal import Decimal

from django.utils import timezone

from wagtail.test.utils.form_data import querydict_from_html

import pytest

from lms.models import (
    AreaAdministrator,
    ComplianceCriterion,
    ComplianceStandard,
    YearlyTarget,
)
from lms.roles import AREA_ADMINISTRATORS, lms_roles_setup
from lms.services.compliance import team_evaluate
from tests.factories import UserFactory

STANDARDS = "/admin/lms/compliance-standard/"
TARGETS = "/admin/lms/yearly-target/"


def html(response):
    return response.content.decode()


def refused(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def admins(world):
    group = lms_roles_setup()[AREA_ADMINISTRATORS]
    region_admin = UserFactory(username="region-admin", groups=[group])
    AreaAdministrator.objects.create(user=region_admin, area=world["areas"]["region"])
    city_admin = UserFactory(username="nanning-admin", groups=[group])
    AreaAdministrator.objects.create(user=city_admin, area=world["areas"]["nanning"])
    world["qingxiu_admin"].groups.add(group)
    return {**world, "region_admin": region_admin, "city_admin": city_admin}


@pytest.fixture
def standard(db):
    return ComplianceStandard.objects.get()


def posted(data):
    """A QueryDict as the test client must get it: every value of a repeated field."""
    return {key: data.getlist(key) for key in data}


def edit_form(client, standard):
    """The edit form as the browser would post it, with one blank criterion added."""
    page = html(client.get(f"{STANDARDS}edit/{standard.pk}/"))
    data = querydict_from_html(page, form_id="w-editor-form")
    for key in [k for k in data if "__prefix__" in k]:
        del data[key]
    n = int(data["criteria-TOTAL_FORMS"])
    data["criteria-TOTAL_FORMS"] = str(n + 1)
    return data, f"criteria-{n}-"


def test_region_admin_adds_a_criterion_to_the_standard(client, admins, standard):
    client.force_login(admins["region_admin"])
    before = standard.criteria.count()
    data, new = edit_form(client, standard)
    data.update(
        {
            f"{new}kind": "category",
            f"{new}threshold": "2",
            f"{new}category": "veteran",
            f"{new}sort_order": "20",
            f"{new}ORDER": "20",
            f"{new}DELETE": "",
            f"{new}id": "",
        }
    )
    data.setlist(f"{new}document_kinds", [])
    response = client.post(f"{STANDARDS}edit/{standard.pk}/", posted(data))
    assert response.status_code == 302, html(response)
    assert standard.criteria.count() == before + 1
    added = standard.criteria.get(category="veteran")
    assert added.threshold == Decimal("2") and added.label == "人员类别：退役军人 ≥ 2"
    # The documents criterion kept its checked kinds through the round trip.
    documents = standard.criteria.get(kind="documents")
    assert documents.document_kinds == [
        "charter",
        "member_code",
        "training_plan",
        "assessment_rules",
    ]


def test_document_kinds_are_checkboxes_and_a_share_above_one_is_refused(client, admins, standard):
    client.force_login(admins["region_admin"])
    page = html(client.get(f"{STANDARDS}edit/{standard.pk}/"))
    assert 'type="checkbox"' in page and "组织章程" in page and "考勤考评制度" in page
    data, new = edit_form(client, standard)
    data.update(
        {
            f"{new}kind": "insurance",
            f"{new}threshold": "80",
            f"{new}sort_order": "30",
            f"{new}ORDER": "30",
            f"{new}id": "",
        }
    )
    before = standard.criteria.count()
    response = client.post(f"{STANDARDS}edit/{standard.pk}/", posted(data))
    assert response.status_code == 200
    assert "比例应填写 0 到 1 之间的小数" in html(response)
    assert standard.criteria.count() == before


def test_a_later_standard_leaves_the_old_one_for_past_evaluations(
    client, admins, standard, build_team
):
    team = build_team(admins["areas"]["xinzhu_2"])
    snapshot = team_evaluate(team)
    assert snapshot.standard == standard
    client.force_login(admins["region_admin"])
    later = timezone.localdate() + datetime.timedelta(days=400)
    data = {
        "name": "社区应急响应队建设标准（修订）",
        "effective_from": later.isoformat(),
        "notes": "",
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "1",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-kind": "members",
        "criteria-0-threshold": "25",
        "criteria-0-sort_order": "0",
        "criteria-0-ORDER": "0",
        "criteria-0-DELETE": "",
        "criteria-0-id": "",
    }
    response = client.post(f"{STANDARDS}new/", data)
    assert response.status_code == 302, html(response)
    assert ComplianceStandard.objects.count() == 2
    assert ComplianceStandard.in_force(timezone.localdate()) == standard
    assert ComplianceStandard.in_force(later).criteria.get().threshold == 25
    # Used by an evaluation: the old standard cannot be deleted.
    response = client.post(f"{STANDARDS}delete/{standard.pk}/")
    assert response["Location"] == f"{STANDARDS}edit/{standard.pk}/"
    assert ComplianceStandard.objects.filter(pk=standard.pk).exists()


def test_county_admin_reads_the_standard_but_cannot_change_it(client, admins, standard):
    client.force_login(admins["region_admin"])
    data, new = edit_form(client, standard)
    data.update({f"{new}kind": "drills", f"{new}threshold": "6", f"{new}id": ""})
    before = standard.criteria.count()

    for user in ("qingxiu_admin", "city_admin"):
        client.force_login(admins[user])
        listing = html(client.get(STANDARDS))
        assert "社区应急响应队建设标准" in listing
        assert f"{STANDARDS}inspect/{standard.pk}/" in listing
        assert f"{STANDARDS}edit/{standard.pk}/" not in listing
        page = html(client.get(f"{STANDARDS}inspect/{standard.pk}/"))
        assert "在队人数 ≥ 20" in page
        assert refused(client.get(f"{STANDARDS}edit/{standard.pk}/"))
        assert refused(client.post(f"{STANDARDS}edit/{standard.pk}/", posted(data)))
        assert refused(client.get(f"{STANDARDS}new/"))
        assert refused(client.post(f"{STANDARDS}delete/{standard.pk}/"))
    assert standard.criteria.count() == before
    assert not ComplianceCriterion.objects.filter(threshold=6).exists()

    client.force_login(admins["member_user"])
    response = client.get(STANDARDS)
    assert response.status_code == 302 and "/admin/" in response["Location"]


def test_region_admin_edits_the_targets_and_others_cannot(client, admins):
    client.force_login(admins["region_admin"])
    listing = html(client.get(TARGETS))
    assert "2027" in listing and "80%" in listing
    response = client.post(f"{TARGETS}new/", {"year": "2029", "level": "", "share": "1"})
    assert response.status_code == 302
    assert YearlyTarget.for_area(2029, 3) == Decimal("1")
    response = client.post(f"{TARGETS}new/", {"year": "2029", "level": "3", "share": "0.9"})
    assert YearlyTarget.for_area(2029, 3) == Decimal("0.9")
    assert YearlyTarget.for_area(2029, 2) == Decimal("1")
    response = client.post(f"{TARGETS}new/", {"year": "2029", "level": "", "share": "0.5"})
    assert response.status_code == 200
    assert YearlyTarget.objects.filter(year=2029).count() == 2

    client.force_login(admins["qingxiu_admin"])
    assert "2027" in html(client.get(TARGETS))
    target = YearlyTarget.objects.get(year=2027, level=None)
    assert refused(client.post(f"{TARGETS}edit/{target.pk}/", {"year": "2027", "share": "0.1"}))
    assert refused(client.post(f"{TARGETS}new/", {"year": "2030", "share": "1"}))
    target.refresh_from_db()
    assert target.share == Decimal("0.8")
    assert not YearlyTarget.objects.filter(year=2030).exists()
