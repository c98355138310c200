"""The yearly summary (年度总结报告): who may ask for one, what the PDF and the workbook
say, the job's progress, and the downloads, seen from outside."""

import io

from django.urls import reverse
from django.utils import timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.errors import DomainError
from lms.models import Inspection, InspectionStatus, JobStatus, YearlyReport
from lms.services.compliance import area_progress_record, teams_evaluate
from lms.services.reports import yearly_report_create
from tests.factories import AreaFactory, TeamFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def url(name, pk=None):
    return reverse(f"learn:{name}", kwargs={"pk": pk} if pk is not None else None)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def base_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture(autouse=True)
def _remove_stored_files():
    """The private storage is shared by the test run: leave no files behind."""
    yield
    for report in YearlyReport.objects.all():
        report.pdf.delete(save=False)
        report.xlsx.delete(save=False)


@pytest.fixture
def qingxiu(world, build_team):
    """青秀区 with three teams: one meeting the standard, the world's (two members, failing)
    and one never evaluated."""
    areas = world["areas"]
    good = build_team(areas["xinzhu_2"], name="桂雅路社区应急响应队")
    third = AreaFactory.child(areas["xinzhu"], "凤岭社区", "450103001003")
    teams_evaluate()
    area_progress_record()
    unevaluated = TeamFactory(community=third, name="凤岭社区应急响应队")
    Inspection.objects.create(
        county=areas["qingxiu"],
        year=YEAR,
        inspector=world["qingxiu_admin"],
        inspected_on=timezone.localdate(),
        status=InspectionStatus.SIGNED_OFF,
        signed_off_at=timezone.now(),
        signed_off_by=world["qingxiu_admin"],
        checklist=[
            {"item": "队伍花名册完整", "result": "pass", "note": ""},
            {"item": "装备台账", "result": "fail", "note": "缺应急照明灯"},
        ],
        findings="新竹社区应急响应队人数不足。",
        frozen_figures={
            "teams": 2,
            "compliant": 1,
            "share": 0.5,
            "target": 0.5,
            "failing": {"members": 1},
        },
    )
    return {"good": good, "failing": world["qingxiu_team"], "unevaluated": unevaluated}


def request_report(client, user, area, django_capture_on_commit_callbacks, year=YEAR):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url("reports"), {"area": area.pk, "year": year})


# -- who may ask ---------------------------------------------------------------------------


def test_a_community_cannot_have_a_yearly_report(world):
    with pytest.raises(DomainError) as error:
        yearly_report_create(area=world["areas"]["xinzhu_1"], year=YEAR, by=world["qingxiu_admin"])
    assert "自治区、市或县（市、区）" in error.value.message
    assert not YearlyReport.objects.exists()


def test_a_community_is_not_offered_and_a_posted_one_is_refused(client, world):
    client.force_login(world["qingxiu_admin"])
    page = client.get(url("reports")).content.decode()
    assert "青秀区（县（市、区））" in page
    assert "新竹社区" not in page and "新竹街道" not in page
    response = client.post(url("reports"), {"area": world["areas"]["xinzhu_1"].pk, "year": YEAR})
    assert response.status_code == 200
    assert "请从列表中选择您管理的区域" in response.content.decode()
    assert not YearlyReport.objects.exists()


def test_a_future_year_is_refused(client, world):
    with pytest.raises(DomainError):
        yearly_report_create(
            area=world["areas"]["qingxiu"], year=YEAR + 1, by=world["qingxiu_admin"]
        )
    client.force_login(world["qingxiu_admin"])
    response = client.post(url("reports"), {"area": world["areas"]["qingxiu"].pk, "year": YEAR + 1})
    assert "年度不能晚于今年" in response.content.decode()
    assert not YearlyReport.objects.exists()


def test_a_county_admin_cannot_ask_for_the_other_countys_report(client, world):
    chengzhong = world["areas"]["chengzhong"]
    with pytest.raises(DomainError):
        yearly_report_create(area=chengzhong, year=YEAR, by=world["qingxiu_admin"])
    client.force_login(world["qingxiu_admin"])
    assert "城中区" not in client.get(url("reports")).content.decode()
    response = client.post(url("reports"), {"area": chengzhong.pk, "year": YEAR})
    assert response.status_code == 200
    assert "请从列表中选择您管理的区域" in response.content.decode()
    assert not YearlyReport.objects.exists()


def test_a_county_admin_cannot_see_or_download_the_other_countys_report(
    client, world, django_capture_on_commit_callbacks
):
    request_report(
        client,
        world["liuzhou_admin"],
        world["areas"]["chengzhong"],
        django_capture_on_commit_callbacks,
    )
    report = YearlyReport.objects.get()
    assert report.status == JobStatus.DONE
    client.force_login(world["qingxiu_admin"])
    for name in ("report", "report_status", "report_pdf", "report_xlsx"):
        assert client.get(url(name, report.pk)).status_code == 404, name
    page = client.get(url("reports")).content.decode()
    assert url("report_pdf", report.pk) not in page and "城中区" not in page


def test_anonymous_visitors_are_sent_to_sign_in(client, world, django_capture_on_commit_callbacks):
    request_report(
        client,
        world["qingxiu_admin"],
        world["areas"]["qingxiu"],
        django_capture_on_commit_callbacks,
    )
    report = YearlyReport.objects.get()
    client.logout()
    for target in (url("reports"), url("report", report.pk), url("report_pdf", report.pk)):
        response = client.get(target)
        assert response.status_code == 302 and "/login" in response["Location"], target


def test_a_member_gets_a_friendly_page_and_no_reports(
    client, world, django_capture_on_commit_callbacks
):
    request_report(
        client,
        world["qingxiu_admin"],
        world["areas"]["qingxiu"],
        django_capture_on_commit_callbacks,
    )
    report = YearlyReport.objects.get()
    client.force_login(world["member_user"])
    response = client.get(url("reports"))
    assert response.status_code == 200
    assert "仅供区域管理员使用" in response.content.decode()
    assert client.post(url("reports"), {"area": world["areas"]["qingxiu"].pk, "year": YEAR})
    assert YearlyReport.objects.count() == 1
    assert client.get(url("report", report.pk)).status_code == 404
    assert client.get(url("report_xlsx", report.pk)).status_code == 404


def test_a_report_not_ready_is_not_downloaded(client, world):
    report = YearlyReport.objects.create(
        area=world["areas"]["qingxiu"], year=YEAR, created_by=world["qingxiu_admin"], total=5
    )
    client.force_login(world["qingxiu_admin"])
    response = client.get(url("report_pdf", report.pk))
    assert response.status_code == 404
    assert "正在生成" in response.content.decode()
    state = client.get(url("report_status", report.pk)).json()
    assert state["percent"] == 0 and state["status"] == "pending" and state["pdf_url"] == ""


# -- the report ----------------------------------------------------------------------------


def test_the_yearly_report_of_a_county(client, world, qingxiu, django_capture_on_commit_callbacks):
    response = request_report(
        client,
        world["qingxiu_admin"],
        world["areas"]["qingxiu"],
        django_capture_on_commit_callbacks,
    )
    report = YearlyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report", report.pk)
    assert report.status == JobStatus.DONE and report.finished_at is not None

    state = client.get(url("report_status", report.pk)).json()
    assert state["percent"] == 100 and state["status"] == "done" and state["finished"]
    assert state["pdf_url"] == url("report_pdf", report.pk)
    job_page = client.get(url("report", report.pk)).content.decode()
    assert 'data-finished="true"' in job_page and url("report_xlsx", report.pk) in job_page
    assert "data-job-done hidden" not in job_page and "data-job-failed hidden" in job_page

    # The PDF: the area, the year, the compliant share (1 of 3 teams), a child area.
    response = client.get(url("report_pdf", report.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    data = body(response)
    text = pdf_text(data)
    assert "青秀区" in text
    assert str(YEAR) in text
    assert "33.3%" in text
    assert "新竹街道" in text
    assert "桂雅路社区应急响应队" in text  # the top teams
    assert "凤岭社区应急响应队" not in text  # not evaluated, so not among them
    assert "已签字确认" in text and "新竹社区应急响应队人数不足" in text
    fonts = base_fonts(data)
    assert fonts and all("CJK" in name for name in fonts), fonts

    # The workbook: every team of the area, with its result.
    response = client.get(url("report_xlsx", report.pk))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(body(response)), read_only=True)
    assert workbook.sheetnames == ["概况", "下级区域", "队伍明细", "未达标原因", "督导检查"]
    rows = list(workbook["队伍明细"].iter_rows(values_only=True))
    assert rows[0][:2] == ("队伍", "所在地")
    teams = {row[0]: row for row in rows[1:]}
    assert set(teams) == {t.name for t in qingxiu.values()}
    assert teams["桂雅路社区应急响应队"][4] == "达标"
    assert teams[qingxiu["failing"].name][4] == "未达标"
    assert "在队人数" in teams[qingxiu["failing"].name][10]
    assert teams["凤岭社区应急响应队"][4] == "未评估"
    assert teams["凤岭社区应急响应队"][1] == "新竹街道凤岭社区"
    children = list(workbook["下级区域"].iter_rows(values_only=True))
    assert [row[0] for row in children[1:]] == ["新竹街道"]
    assert children[1][2:5] == (3, 2, 1)
    inspections = list(workbook["督导检查"].iter_rows(values_only=True))
    assert inspections[1][:3] == ("青秀区", "450103", "已签字确认")
    assert inspections[1][6:8] == (1, 1) and inspections[1][10:13] == (2, 1, "50.0%")

    # The list: newest first, with its downloads.
    page = client.get(url("reports")).content.decode()
    assert url("report_pdf", report.pk) in page and url("report_xlsx", report.pk) in page
    assert "已完成" in page


def test_a_region_report_names_its_cities_and_counts_no_teams_twice(
    client, world, qingxiu, django_capture_on_commit_callbacks, admin_user
):
    request_report(client, admin_user, world["areas"]["region"], django_capture_on_commit_callbacks)
    report = YearlyReport.objects.get()
    assert report.status == JobStatus.DONE
    with report.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "南宁市" in text and "柳州市" in text
    with report.xlsx.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    rows = list(workbook["队伍明细"].iter_rows(values_only=True))[1:]
    assert len(rows) == 4  # three in Qingxiu, one in Chengzhong
    summary = dict(workbook["概况"].iter_rows(values_only=True))
    assert summary["队伍总数"] == 4 and summary["达标队伍"] == 1


def test_asking_twice_while_it_runs_returns_the_same_job(world):
    first = yearly_report_create(
        area=world["areas"]["qingxiu"], year=YEAR, by=world["qingxiu_admin"]
    )
    again = yearly_report_create(
        area=world["areas"]["qingxiu"], year=YEAR, by=world["qingxiu_admin"]
    )
    assert again.pk == first.pk and YearlyReport.objects.count() == 1
    assert first.total == 5 and first.status == JobStatus.PENDING


def test_a_failed_run_is_shown_and_offers_no_download(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("lms.services.reports.write_pdf", broken)
    with pytest.raises(RuntimeError):
        request_report(
            client,
            world["qingxiu_admin"],
            world["areas"]["qingxiu"],
            django_capture_on_commit_callbacks,
        )
    report = YearlyReport.objects.get()
    assert report.status == JobStatus.FAILED and not report.pdf
    state = client.get(url("report_status", report.pk)).json()
    assert state["status"] == "failed" and state["finished"] and state["pdf_url"] == ""
    page = client.get(url("report", report.pk)).content.decode()
    assert "报告生成失败" in page
    assert "data-job-failed hidden" not in page and "data-job-done hidden" in page
    assert client.get(url("report_pdf", report.pk)).status_code == 404
    assert "生成失败，请重新生成" in client.get(url("reports")).content.decode()
