"""The county administrator opens the compliance dashboard from the admin home page, drills
down county → township → community → a failing team, sees why the team fails, and downloads
the county's yearly report.

Runs on seed_demo's data, evaluated here by the nightly run; it relies only on 青秀区
(the demo account `county`) having some team that fails, which is picked from the database.
"""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from lms.demo import COUNTY_OF_DEMO_ADMIN
from lms.models import Area, ComplianceSnapshot, YearlyReport
from lms.models.areas import subtree_filter
from lms.services.compliance import compliance_nightly

from .admin import sign_in

pytestmark = pytest.mark.e2e


def test_county_administrator_drills_down_to_a_failing_team(demo_site, page):
    compliance_nightly()
    county = Area.objects.get(code=COUNTY_OF_DEMO_ADMIN)
    snapshot = (
        ComplianceSnapshot.objects.filter(
            passed=False, **subtree_filter("team__community__", county.path)
        )
        .select_related("team__community")
        .order_by("-figures__members", "team__name")
        .first()
    )
    assert snapshot is not None, "seed_demo should leave some team in 青秀区 failing"
    team, community = snapshot.team, snapshot.team.community
    township = community.get_parent()
    failed = snapshot.failed_results[0]

    # The admin home page shows the county's figures and links to the report.
    sign_in(page, "county")
    panel = page.locator("[data-compliance-panel]")
    expect(panel).to_contain_text(county.name)
    expect(panel.locator('[data-figure="compliant"]')).to_contain_text(" / ")
    panel.get_by_role("link", name="查看达标进度报表").click()

    # County: the summary, the charts, a row per township.
    expect(page.locator("#compliance-summary-heading")).to_contain_text(county.name)
    expect(page.locator("#compliance-history svg[role=img]")).to_be_visible()
    expect(page.locator("#compliance-children svg .chart-bar-value")).to_have_count(
        county.get_children().count()
    )
    page.locator("[data-children]").get_by_role("link", name=township.name, exact=True).click()

    # Township → community.
    expect(page.locator("#compliance-summary-heading")).to_contain_text(township.name)
    page.locator("[data-children]").get_by_role("link", name=community.name, exact=True).click()

    # Community: its team is listed as failing, with the reasons in short.
    expect(page.locator("#compliance-summary-heading")).to_contain_text(community.name)
    row = page.locator(f'[data-teams] tr[data-team="{team.pk}"]')
    expect(row).to_contain_text("未达标")
    expect(row).to_contain_text(failed["label"])
    row.get_by_role("link", name=team.name).click()

    # Team: the failing criterion with the team's figure against the threshold.
    expect(page.locator('[data-figure="result"]')).to_have_text("未达标")
    criterion = page.locator(f'[data-criteria] tr[data-criterion="{failed["kind"]}"]')
    expect(criterion).to_contain_text(failed["label"])
    expect(criterion.locator("[data-threshold]")).to_have_text(failed["threshold_display"])
    expect(criterion).to_contain_text("未达标")
    expect(page.locator("[data-members]")).to_be_visible()
    # The trail leads back up to the county.
    trail = page.get_by_role("navigation", name="区域层级")
    expect(trail.get_by_role("link", name=county.name)).to_be_visible()

    # The county's yearly report: asked for, generated in the background, downloaded.
    page.goto("/learn/reports/")
    page.locator("#id_area").select_option(str(county.pk))
    page.locator("form.learn-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/learn/reports/\d+/$"))
    report = YearlyReport.objects.get(area=county)
    expect(page.locator("[data-job-done]")).to_be_visible()
    with page.expect_download() as download_info:
        page.locator("[data-job-done] [data-download=pdf]").click()
    pdf = PdfReader(download_info.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    assert county.name in text
    assert str(report.year) in text
