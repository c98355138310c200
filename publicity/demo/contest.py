"""Demo data: a short-video contest open now, its criteria, three entries (two approved, one
awaiting review), a judge account and a few votes. Running it again changes nothing."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.demo.seed import DEMO_PASSWORD
from cms.roles import REVIEWERS
from lms.models import Team

from ..models import ContestCriterion, ContestEntry, ContestPage
from ..roles import JUDGES
from ..services.contest import contest_entry_review, contest_entry_submit, contest_vote_cast

SLUG = "safety-shorts"
CRITERIA = [
    ("主题立意", "紧扣应急主题，传递正确的防灾避险理念。", 30),
    ("知识准确", "应急知识和操作要领准确、规范，无误导。", 30),
    ("创意表现", "构思新颖，表现形式生动，易于传播。", 20),
    ("制作水平", "画面清晰、声音清楚，剪辑流畅，时长适当。", 20),
]
RULES = [
    ("heading", {"text": "征集内容", "level": "h2"}),
    (
        "paragraph",
        "<p>围绕防汛防台风、地震避险、火灾逃生、心肺复苏等应急知识，拍摄 1 至 3 分钟的公益短视频，"
        "展示社区应急响应队的培训、演练和救援本领。</p>",
    ),
    ("heading", {"text": "参赛要求", "level": "h2"}),
    (
        "paragraph",
        "<ul><li>作品须为原创，不得侵犯他人权益；出镜人员应知情同意。</li>"
        "<li>上传 MP4、WebM 或 MOV 格式的视频文件，或填写已发布在视频网站上的作品链接。</li>"
        "<li>作品经审核通过后在本页公开展示，并接受公众投票。</li></ul>",
    ),
    ("heading", {"text": "评审办法", "level": "h2"}),
    (
        "paragraph",
        "<p>评审团按公布的评审标准打分，作品得分为各项评委平均分之和；公众投票结果单独公布，"
        "得分相同时票数多者列前。</p>",
    ),
]
ENTRIES = [
    (
        "汛期来了，应急包这样备",
        "新竹社区响应队队员一步步演示家庭应急包里该放什么、放在哪里。",
        "https://www.bilibili.com/video/BV1xx411c7mD",
        True,
    ),
    (
        "三分钟学会心肺复苏",
        "按压位置、深度和频率，配合 AED 使用，一看就会。",
        "https://v.qq.com/x/page/y0000demo01.html",
        True,
    ),
    (
        "楼道堆物，火灾隐患",
        "社区消防演练实拍：堵塞的楼道如何让逃生变得困难。",
        "https://www.douyin.com/video/7000000000000000001",
        False,
    ),
]
VOTERS = ["member", "leader", "county"]


def _judge():
    group, _created = Group.objects.get_or_create(name=JUDGES)
    User = get_user_model()
    judge = User.objects.filter(username="judge").first()
    if judge is None:
        judge = User.objects.create_user(
            username="judge", password=DEMO_PASSWORD, first_name="黎评委", email="judge@example.cn"
        )
    judge.groups.add(group)
    return judge


def _reviewer():
    User = get_user_model()
    return (
        User.objects.filter(groups__name=REVIEWERS, is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    )


def seed(stdout, index=None, **sections) -> None:
    _judge()
    if index is None or ContestPage.objects.filter(slug=SLUG).exists():
        stdout.write("  短视频大赛：已存在，跳过")
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    contest = ContestPage(
        title="“应急先锋”短视频公益广告大赛",
        slug=SLUG,
        intro="用镜头讲好身边的应急故事：展示培训与救援本领，传播防灾避险知识。",
        rules=RULES,
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now + datetime.timedelta(days=30),
        votes_enabled=True,
        max_video_mb=200,
        criteria=[
            ContestCriterion(name=name, description=description, weight=weight, sort_order=n)
            for n, (name, description, weight) in enumerate(CRITERIA)
        ],
    )
    index.add_child(instance=contest)
    contest.save_revision().publish()

    teams = list(Team.objects.order_by("pk")[:3])
    reviewer = _reviewer()
    approved = []
    for n, (title, description, link, approve) in enumerate(ENTRIES):
        entry = contest_entry_submit(
            contest=contest,
            user=None,
            title=title,
            description=description,
            team=teams[n] if n < len(teams) else None,
            embed_url=link,
            author_name=f"演示作者{n + 1}",
            author_phone=f"1380771{n:04d}",
        )
        if approve and reviewer is not None:
            contest_entry_review(entry=entry, user=reviewer, approve=True)
            approved.append(entry)

    voters = get_user_model().objects.filter(username__in=VOTERS).order_by("username")
    votes = 0
    for n, voter in enumerate(voters):
        for entry in approved[: 1 + n % 2]:
            contest_vote_cast(entry=ContestEntry.objects.get(pk=entry.pk), user=voter)
            votes += 1
    stdout.write(
        f"  短视频大赛：{contest.title}，作品 {len(ENTRIES)} 部（{len(approved)} 部已通过审核），"
        f"投票 {votes} 张；评委账号 judge"
    )
