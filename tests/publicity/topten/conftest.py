"""Ranked teams (built the way the compliance tests build them), the area administrators
who may announce, and helpers to read the public top-ten page."""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest
from bs4 import BeautifulSoup

from lms.models import AreaAdministrator, CertificateStatus, ComplianceSnapshot, DrillParticipation
from lms.services.compliance import teams_evaluate
from publicity.models import StoryPage, TeamPage
from tests.factories import AreaFactory, UserFactory
from tests.lms.compliance import conftest as compliance
from tests.lms.conftest import admin_group

# The compliance tests' fixtures: a team meeting the default standard, built directly.
build_team = compliance.build_team
standard_course = compliance.standard_course
equipment = compliance.equipment
default_standard = compliance.default_standard  # autouse


def this_year() -> int:
    return timezone.localdate().year


def certified_only(team, n: int) -> None:
    """Keep `n` members certified; revoke the others' certificates."""
    for member in list(team.members.order_by("pk"))[n:]:
        member.certificates.update(status=CertificateStatus.REVOKED)


def took_part_only(team, n: int) -> None:
    """Keep `n` members in the year's drills; the others took part in none."""
    DrillParticipation.objects.filter(member__in=list(team.members.order_by("pk"))[n:]).delete()


@pytest.fixture
def ranked(world, build_team):
    """Three teams meeting the standard, this year: full marks and lower coverage in
    Nanning, lower participation in Liuzhou; the world's two empty teams fail."""
    areas = world["areas"]
    minle = AreaFactory.child(areas["xinzhu"], "民乐社区", "450103001003")
    ximen = AreaFactory.child(areas["chengzhong_st"], "西门社区", "450202001002")
    full = build_team(areas["xinzhu_2"], name="桂雅路应急响应队")
    covered = build_team(minle, name="民乐应急响应队")
    certified_only(covered, 12)  # 60%
    drilled = build_team(ximen, name="西门应急响应队")
    took_part_only(drilled, 14)  # 70%
    teams_evaluate()
    return {"full": full, "covered": covered, "drilled": drilled, **world}


def _admin_of(area, username):
    user = UserFactory(username=username, groups=[admin_group()])
    AreaAdministrator.objects.create(user=user, area=area)
    return user


@pytest.fixture
def region_admin(world):
    return _admin_of(world["areas"]["region"], "region-admin")


@pytest.fixture
def nanning_admin(world):
    return _admin_of(world["areas"]["nanning"], "nanning-admin")


def last_year_snapshots(changes: dict) -> None:
    """Copy this year's snapshots to last year, with the scores given per team (others as
    they are): last year's ranking, without rebuilding a year of records."""
    year = this_year()
    for snapshot in ComplianceSnapshot.objects.filter(year=year):
        snapshot.pk = None
        snapshot.year = year - 1
        snapshot.evaluated_at = timezone.make_aware(datetime.datetime(year - 1, 12, 31, 20))
        if snapshot.team_id in changes:
            snapshot.score = Decimal(changes[snapshot.team_id])
        snapshot.save()


def live_team_page(index, team, *, title=None) -> TeamPage:
    page = TeamPage(
        title=title or team.name,
        slug=f"team-{team.pk}",
        team=team,
        introduction="社区应急响应队的简介。",
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def live_story(index, teams, *, title, day) -> StoryPage:
    story = StoryPage(
        title=title,
        slug=f"story-{title}",
        story_date=day,
        summary="救援故事摘要。",
        body=[],
    )
    index.add_child(instance=story)
    story.teams.set(teams)
    story.save_revision().publish()
    return story


FIELDS = ["rank", "community", "score", "coverage", "participation", "hours", "improvement"]


def page_rows(content: bytes) -> list[dict]:
    """The ranked rows of a public top-ten page, as a visitor reads them."""
    soup = BeautifulSoup(content, "html.parser")
    rows = []
    for tr in soup.select("#topten-list tbody tr"):
        row = {name: tr.select_one(f".topten-{name}").get_text(strip=True) for name in FIELDS}
        row["rank"] = int(row["rank"])
        row["members"] = tr.select_one(".topten-members").get_text(strip=True)
        team = tr.select_one(".topten-team")
        link = team.find("a", recursive=False)
        row["team"] = (link or team).find(string=True, recursive=False).strip()
        row["team_url"] = link["href"] if link else None
        row["stories"] = [a.get_text(strip=True) for a in team.select(".topten-stories a")]
        rows.append(row)
    return rows


def page_text(content: bytes) -> str:
    return BeautifulSoup(content, "html.parser").get_text(" ", strip=True)
