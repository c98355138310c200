"""Demo data of the publicity app: the public sections, team pages and a story, the top ten,
a contest with entries. Each part seeds itself; this module lays out the sections first."""

from wagtail.models import Locale, Page

from cms.models import HomePage
from cms.translation import tree_aliases_create

from ..models import ContestIndexPage, StoryIndexPage, TeamIndexPage, TopTenIndexPage
from ..roles import publicity_setup
from . import contest, teams, topten

SECTIONS = [
    (TeamIndexPage, "teams", "队伍风采", "全区社区应急响应队的风采：队伍介绍、演练和持证情况。"),
    (StoryIndexPage, "stories", "队伍故事", "社区响应队在抢险救援和公益服务中的故事。"),
    (TopTenIndexPage, "top-ten", "十佳社区响应队", "年度十佳社区响应队评选结果与评选办法。"),
    (ContestIndexPage, "contest", "短视频大赛", "应急知识短视频公益广告大赛：展示培训与救援本领。"),
]


def _section(home: Page, model, slug: str, title: str, intro: str) -> Page:
    page = model.objects.child_of(home).first()
    if page is None:
        page = model(title=title, slug=slug, intro=intro, show_in_menus=True)
        home.add_child(instance=page)
        page.save_revision().publish()
    return page


def seed(stdout) -> None:
    home = HomePage.objects.filter(depth=2, locale=Locale.get_default()).first()
    sections = {model: _section(home, model, *rest) for model, *rest in SECTIONS}
    publicity_setup()
    teams.seed(stdout, index=sections[TeamIndexPage], stories=sections[StoryIndexPage])
    topten.seed(stdout)
    contest.seed(stdout, index=sections[ContestIndexPage])
    # Every public page in Zhuang and English: aliases until translated.
    aliases = tree_aliases_create(home)
    stdout.write(f"  语言：新建别名页面 {aliases} 个（壮文、英文待翻译）")
