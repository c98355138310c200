"""Personal data: ID numbers encrypted at rest and masked, a member's export, erasure after
leaving, and the audit log of who saw or exported what."""

import datetime
import importlib
import io
import json
import zipfile
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

import pytest
from cryptography.fernet import Fernet
from openpyxl import load_workbook

from lms import id_crypto
from lms.errors import DomainError
from lms.models import (
    AccessAction,
    AreaAdministrator,
    Certificate,
    Member,
    PersonalDataAccess,
    ServiceActivity,
    ServiceRecord,
    ServiceStatus,
)
from lms.services.members import member_create, member_leave
from tests.factories import MemberFactory, UserFactory, valid_id_number
from tests.lms.certificates.conftest import (  # noqa: F401
    complete,
    course,
    fake_pdf,
    issue,
    template,
)
from tests.lms.conftest import admin_group

pytestmark = pytest.mark.django_db

ERASED_NOTICE = "该编号的证书曾经签发，持证人信息已按规定删除。"


def html(response) -> str:
    return response.content.decode()


def raw_rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rows_of(action: str):
    return PersonalDataAccess.objects.filter(action=action)


@pytest.fixture
def permitted(world):
    """The county administrator, allowed to read full ID numbers in their county."""
    AreaAdministrator.objects.filter(user=world["qingxiu_admin"]).update(can_view_id_numbers=True)
    return world["qingxiu_admin"]


@pytest.fixture
def region_admin(world):
    user = UserFactory(username="region-admin", groups=[admin_group()])
    AreaAdministrator.objects.create(user=user, area=world["areas"]["region"])
    return user


# -- encryption at rest --------------------------------------------------------------------


def test_the_database_holds_no_plaintext_id_number(world):
    member = world["member"]
    member.phone = "13800001111"
    member.save()  # a second historical copy
    digits = member.id_number
    for table in ("lms_member", "lms_historicalmember"):
        stored = raw_rows(
            f"SELECT id_number, id_number_digest FROM {table} WHERE id = %s", [member.pk]
        )
        assert stored
        for value, digest in stored:
            assert digits not in value and digits[6:14] not in value
            assert value.startswith(id_crypto.TOKEN_PREFIX)
            assert digest and digits not in digest
    # The application still reads the number.
    assert Member.objects.get(pk=member.pk).id_number == digits
    assert member.history.earliest("history_date").id_number == digits


def test_lookups_and_uniqueness_go_through_the_digest(world):
    member = world["member"]
    assert Member.objects.with_id_number(member.id_number.lower()).get() == member
    assert Member.objects.with_id_numbers([member.id_number, "nothing"]).get() == member
    with pytest.raises(FieldError):
        Member.objects.filter(id_number=member.id_number).exists()
    with pytest.raises(DomainError, match="已被登记"):
        member_create(
            team=member.team,
            name="重复",
            gender="M",
            birth_date=member.birth_date,
            phone="13900000000",
            id_number=member.id_number,
            category=member.category,
        )


def test_the_birth_date_check_still_reads_the_number(world):
    born = datetime.date(1990, 1, 2)
    with pytest.raises(DomainError, match="出生日期"):
        member_create(
            team=world["qingxiu_team"],
            name="错日期",
            gender="F",
            birth_date=datetime.date(1991, 1, 2),
            phone="13900000001",
            id_number=valid_id_number(born, 801),
            category="volunteer",
        )


def test_a_new_key_encrypts_while_the_old_one_still_decrypts(world):
    member = world["member"]
    new_key = Fernet.generate_key().decode()
    try:
        with override_settings(ID_NUMBER_KEYS=[new_key, id_crypto._dev_key(b"encrypt").decode()]):
            id_crypto.reset_keys()
            assert Member.objects.get(pk=member.pk).id_number == member.id_number
            member.save()
            token = raw_rows("SELECT id_number FROM lms_member WHERE id = %s", [member.pk])[0][0]
            assert Fernet(new_key).decrypt(token.encode()).decode() == member.id_number
            # The rotation command rewrites every copy, history included, under the new key.
            call_command("reencrypt_id_numbers", stdout=io.StringIO())
            for (stored,) in raw_rows("SELECT id_number FROM lms_historicalmember"):
                Fernet(new_key).decrypt(stored.encode())
    finally:
        id_crypto.reset_keys()


def test_the_migration_encrypts_existing_plaintext_rows(world):
    member = world["member"]
    number = member.id_number
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lms_member SET id_number = %s, id_number_digest = NULL WHERE id = %s",
            [number, member.pk],
        )
        cursor.execute(
            "UPDATE lms_historicalmember SET id_number = %s WHERE id = %s", [number, member.pk]
        )
    migration = importlib.import_module("lms.migrations.0009_privacy")
    migration.encrypt_id_numbers(apps, SimpleNamespace(connection=connection))
    ((token, digest),) = raw_rows(
        "SELECT id_number, id_number_digest FROM lms_member WHERE id = %s", [member.pk]
    )
    assert number not in token
    assert all(number not in v for (v,) in raw_rows("SELECT id_number FROM lms_historicalmember"))
    assert Member.objects.with_id_number(number).get().pk == member.pk
    assert digest == id_crypto.digest(number)


# -- masking, and the audit of every full number shown --------------------------------------


def test_the_edit_form_shows_the_number_only_to_a_permitted_admin_and_logs_it(client, world):
    member = world["member"]
    client.force_login(world["leader_user"])
    assert member.id_number not in html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    assert not PersonalDataAccess.objects.exists()

    AreaAdministrator.objects.filter(user=world["qingxiu_admin"]).update(can_view_id_numbers=True)
    client.force_login(world["qingxiu_admin"])
    assert member.id_number in html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    row = rows_of(AccessAction.VIEW_ID_NUMBER).get()
    assert (row.user, row.member, row.path) == (
        world["qingxiu_admin"],
        member,
        f"/admin/lms/member/edit/{member.pk}/",
    )


def test_the_api_masks_for_a_leader_and_logs_each_full_answer(client, world, permitted):
    member = world["member"]
    client.force_login(world["leader_user"])
    assert client.get(f"/api/v1/members/{member.pk}").json()["id_number"] == member.id_number_masked
    assert not PersonalDataAccess.objects.exists()

    client.force_login(permitted)
    assert client.get(f"/api/v1/members/{member.pk}").json()["id_number"] == member.id_number
    assert rows_of(AccessAction.VIEW_ID_NUMBER).get().member == member
    listing = client.get("/api/v1/members").json()["items"]
    assert member.id_number in [m["id_number"] for m in listing]
    row = rows_of(AccessAction.LIST_ID_NUMBERS).get()  # one row for the whole list
    assert row.member is None and row.member_count == len(listing) == 2


def test_a_roster_export_with_id_numbers_is_logged(client, world, permitted):
    client.force_login(permitted)
    response = client.get("/admin/lms/roster/export/members/", {"id_numbers": "1"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert world["member"].id_number in [r[6] for r in rows]
    row = rows_of(AccessAction.ROSTER_EXPORT).get()
    assert (row.user, row.member_count) == (permitted, 2)


# -- export ------------------------------------------------------------------------------------


def test_an_admin_exports_everything_held_about_a_member(client, world, course, issue):  # noqa: F811
    member = world["member"]
    complete(member, course)
    certificate = fake_pdf(issue(member))
    ServiceRecord.objects.create(
        member=member,
        activity=ServiceActivity.PATROL,
        date=datetime.date(2026, 5, 1),
        hours=Decimal("2.5"),
        description="汛期巡查",
        status=ServiceStatus.VERIFIED,
    )
    client.force_login(world["qingxiu_admin"])
    response = client.get(f"/admin/lms/privacy/member/{member.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("member.json"))
    assert data["member"]["name"] == "陆队员"
    assert data["member"]["phone"] == member.phone
    # This administrator may not read full ID numbers: the export masks it too.
    assert data["member"]["id_number"] == member.id_number_masked
    assert data["member"]["account"]["username"] == "member"
    assert data["team_history"][0]["team"] == world["qingxiu_team"].name
    assert [c["serial"] for c in data["certificates"]] == [certificate.serial]
    assert data["enrollments"][0]["status"] == "completed"
    assert data["service_records"][0]["description"] == "汛期巡查"
    assert archive.read(f"certificates/{certificate.serial}.pdf").startswith(b"%PDF")
    row = rows_of(AccessAction.EXPORT).get()
    assert (row.user, row.member) == (world["qingxiu_admin"], member)


@pytest.mark.parametrize("who", ["liuzhou_admin", "leader_user", "member_user"])
def test_no_one_else_exports_or_erases_a_member(client, world, who):
    member = world["member"]
    member_leave(member=member, left_on=datetime.date(2026, 6, 1))
    client.force_login(world[who])
    # A member without admin access is sent away by Wagtail before any lookup.
    refused = (404, 302) if who == "member_user" else (404,)
    for action in ("export", "erase"):
        response = client.get(f"/admin/lms/privacy/member/{member.pk}/{action}/")
        assert response.status_code in refused
    response = client.post(f"/admin/lms/privacy/member/{member.pk}/erase/", {"confirm": "on"})
    assert response.status_code in refused
    assert not PersonalDataAccess.objects.exists()
    assert Member.objects.get(pk=member.pk).name == "陆队员"


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(f"/admin/lms/privacy/member/{world['member'].pk}/export/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# -- erasure -------------------------------------------------------------------------------------


def test_an_active_member_is_not_erased(client, world):
    member = world["member"]
    client.force_login(world["qingxiu_admin"])
    page = html(client.get(f"/admin/lms/privacy/member/{member.pk}/erase/"))
    assert "该队员仍在队" in page
    response = client.post(f"/admin/lms/privacy/member/{member.pk}/erase/", {"confirm": "on"})
    assert response.status_code == 400
    assert Member.objects.get(pk=member.pk).name == "陆队员"


def test_erasing_a_member_who_left(client, world, issue):  # noqa: F811
    member = world["member"]
    certificate = fake_pdf(issue(member))
    pdf_name = certificate.pdf.name
    ServiceRecord.objects.create(
        member=member,
        activity=ServiceActivity.PATROL,
        date=datetime.date(2026, 5, 1),
        hours=Decimal("3"),
        description="巡查",
        status=ServiceStatus.VERIFIED,
    )
    member_leave(member=member, left_on=datetime.date(2026, 6, 1))
    hours_before = sum(r.hours for r in ServiceRecord.objects.filter(member=member))
    name, phone, number = member.name, member.phone, member.id_number

    client.force_login(world["qingxiu_admin"])
    page = html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    assert f"/admin/lms/privacy/member/{member.pk}/erase/" in page
    # Not confirmed: nothing happens.
    assert client.post(f"/admin/lms/privacy/member/{member.pk}/erase/").status_code == 400
    assert Member.objects.get(pk=member.pk).name == name
    response = client.post(f"/admin/lms/privacy/member/{member.pk}/erase/", {"confirm": "on"})
    assert response.status_code == 302

    member.refresh_from_db()
    assert (
        member.is_erased and member.name != name and member.phone == "" and member.id_number == ""
    )
    assert member.user is None
    account = world["member_user"]
    account.refresh_from_db()
    assert not account.is_active and account.username != "member"
    # No copy of the name, phone or number survives, in the tables or their history.
    for table in ("lms_member", "lms_historicalmember"):
        for row in raw_rows(f"SELECT * FROM {table} WHERE id = %s", [member.pk]):
            text = " ".join(str(v) for v in row)
            assert name not in text and phone not in text
        stored = raw_rows(
            f"SELECT id_number, id_number_digest FROM {table} WHERE id = %s", [member.pk]
        )
        assert set(stored) == {("", None)}
    assert not Member.objects.with_id_number(number).exists()
    assert {h.name for h in member.history.all()} == {member.name}
    assert not Certificate.history.filter(holder_name=name).exists()
    certificate.refresh_from_db()
    assert certificate.pdf.name == "" and not certificate.pdf.storage.exists(pdf_name)
    # Compliance history stays: the certificate, its status and the hours.
    assert certificate.status == "valid" and certificate.serial
    assert sum(r.hours for r in ServiceRecord.objects.filter(member=member)) == hours_before
    # The public page says only that the serial existed.
    client.logout()
    public = html(client.get(f"/verify/{certificate.code}/"))
    assert certificate.serial in public and ERASED_NOTICE in public
    assert name[0] not in public and certificate.course_title not in public
    api = client.get(f"/api/v1/verify/{certificate.code}")
    assert api.status_code == 410 and api.json()["detail"] == ERASED_NOTICE
    lookup = client.post("/verify/", {"serial": certificate.serial, "name": "随便"})
    assert lookup.status_code == 302 and lookup["Location"].endswith(f"/verify/{certificate.code}/")
    # The erasure is logged, and a second one is refused.
    assert rows_of(AccessAction.ERASE).get().member == member
    client.force_login(world["qingxiu_admin"])
    assert "已经删除" in html(client.get(f"/admin/lms/privacy/member/{member.pk}/erase/"))


# -- the audit log screen ---------------------------------------------------------------------


def test_the_audit_log_is_for_region_administrators(client, world, region_admin):
    other = MemberFactory(team=world["qingxiu_team"], name="覃另一位")
    client.force_login(world["qingxiu_admin"])
    client.get(f"/admin/lms/privacy/member/{world['member'].pk}/export/")
    client.get(f"/admin/lms/privacy/member/{other.pk}/export/")
    assert client.get("/admin/lms/personal-data-access/").status_code == 404
    client.logout()
    assert client.get("/admin/lms/personal-data-access/").status_code == 302

    client.force_login(region_admin)
    page = html(client.get("/admin/lms/personal-data-access/"))
    assert page.count("<td>导出个人数据</td>") == 2 and "qingxiu-admin" in page
    only = html(client.get("/admin/lms/personal-data-access/", {"member": other.pk}))
    assert "覃另一位" in only and "陆队员" not in only
    # Read-only: there is nothing to post to.
    assert client.post("/admin/lms/personal-data-access/").status_code == 405


def test_the_member_page_offers_export_and_after_leaving_erasure(client, world):
    member = world["member"]
    export = f"/admin/lms/privacy/member/{member.pk}/export/"
    erase = f"/admin/lms/privacy/member/{member.pk}/erase/"
    client.force_login(world["qingxiu_admin"])
    page = html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    assert export in page and erase not in page
    member_leave(member=member, left_on=datetime.date(2026, 1, 31))
    page = html(client.get(f"/admin/lms/member/edit/{member.pk}/"))
    assert export in page and erase in page
    client.force_login(world["liuzhou_admin"])
    assert client.get(f"/admin/lms/member/edit/{member.pk}/").status_code == 404
