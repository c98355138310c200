"""Demo data: published pages of the active demo teams, and a story about the home team.

Drafted through the services (as a leader would) and published directly, as the demo's
articles are. Safe to run twice: a team with a page, or a story already there, is skipped.
"""

import datetime
import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from lms.demo import HOME_COMMUNITY, TEAMS
from lms.models import Team, TeamStatus

from ..models import StoryPage, TeamPage
from ..services.pages import story_save, team_page_save

CJK_FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
COLOURS = ["#b42318", "#0969da", "#1a7f37", "#8250df", "#9a6700"]

INTRODUCTIONS = {
    "450103001001": (
        "新竹社区应急响应队成立于 2022 年，队员来自社区工作人员、退役军人、社区医疗服务中心"
        "医护人员和志愿者。队伍擅长防汛转移、应急救护和高层住宅火灾疏散，每季度组织一次"
        "联合演练，汛期实行 24 小时值守。\n\n"
        "队伍常年在社区开展应急知识进楼栋、急救培训进家庭活动，欢迎居民加入。"
    ),
    "450103001002": (
        "桂雅路社区应急响应队依托辖区物业和单位力量组建，重点做好高层住宅消防安全和"
        "电动车充电隐患排查，定期开展疏散演练和灭火器实操培训。"
    ),
    "450202002001": (
        "公园社区应急响应队紧邻柳江，以防汛抢险和水上救援为特长，配备救生衣、救生圈和"
        "抛投器等装备，与属地消防救援站建立了联勤联训机制。"
    ),
}
DEFAULT_INTRODUCTION = "社区应急响应队，守护家园平安。"

STORY = {
    "title": "暴雨夜转移群众：新竹社区应急响应队在行动",
    "summary": "一场特大暴雨中，新竹社区应急响应队连夜排查低洼住户，协助转移老人和儿童，"
    "全程无人员伤亡。",
    "body": (
        "六月的一个深夜，南宁市普降特大暴雨，新竹社区部分低洼路段积水迅速上涨。"
        "接到街道预警后，新竹社区应急响应队在 20 分钟内集结，按照防汛预案分成排查、"
        "转移和保障三个小组。\n\n"
        "排查组逐栋敲门，确认独居老人和行动不便居民的情况；转移组携带救生衣和应急照明灯，"
        "把 30 多名群众安全转移到社区避难场所；保障组为大家准备了热水、食品和常用药品。\n\n"
        "天亮时积水退去，全程无人员伤亡。队员们说：平时多练一次，关键时刻就多一分把握。"
    ),
}


def _photo(team: Team, number: int) -> SimpleUploadedFile:
    """A banner with the team's name: the demo has no real photographs."""
    colour = COLOURS[number % len(COLOURS)]
    canvas = PILImage.new("RGB", (1200, 675), colour)
    draw = ImageDraw.Draw(canvas)
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    stripe = tuple(min(255, c + 24) for c in (r, g, b))
    for x in range(0, 1200, 60):  # a light diagonal texture, as on the articles' banners
        draw.line([(x, 675), (x + 300, 0)], fill=stripe, width=10)
    font_path = next((p for p in CJK_FONT_PATHS if Path(p).exists()), None)
    if font_path:
        draw.text((80, 260), team.name, font=ImageFont.truetype(font_path, 72), fill="white")
        draw.text(
            (84, 380),
            "八桂应急先锋社区响应队",
            font=ImageFont.truetype(font_path, 40),
            fill="white",
        )
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return SimpleUploadedFile("team.png", buffer.getvalue(), content_type="image/png")


def _publish(page) -> None:
    page.get_latest_revision().publish()


def seed(stdout, *, index=None, stories=None, **sections) -> None:
    author = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if author is None:
        stdout.write("  队伍风采：没有超级管理员账号，跳过")
        return
    pages = 0
    for number, (code, (_founded, status, _size)) in enumerate(TEAMS.items()):
        team = Team.objects.filter(community__code=code).first()
        if team is None or status != TeamStatus.ACTIVE or team.status != TeamStatus.ACTIVE:
            continue
        if TeamPage.objects.filter(team=team).exists():
            continue
        page = team_page_save(
            team=team,
            user=author,
            introduction=INTRODUCTIONS.get(code, DEFAULT_INTRODUCTION),
            photo=_photo(team, number),
        )
        _publish(page)
        pages += 1

    home = Team.objects.filter(community__code=HOME_COMMUNITY).first()
    story_count = 0
    if (
        home is not None
        and not StoryPage.objects.filter(written_by=home, title=STORY["title"]).exists()
    ):
        story = story_save(
            team=home,
            user=author,
            story_date=datetime.date(timezone.localdate().year - 1, 6, 18),
            **STORY,
        )
        _publish(story)
        story_count = 1
    stdout.write(f"  队伍风采页 {pages} 个、队伍故事 {story_count} 篇（已发布）")
