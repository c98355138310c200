"""The public sections (team directory, stories, top ten, contest) under the test site's home."""

import pytest

from publicity.models import ContestIndexPage, StoryIndexPage, TeamIndexPage, TopTenIndexPage
from publicity.roles import publicity_setup
from tests.lms.conftest import world  # noqa: F401  (the two-county world, shared)


def _section(home, model, slug, title):
    page = model(title=title, slug=slug, show_in_menus=True)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def sections(site_tree):
    """The four publicity sections, live, and the area approval workflow on two of them."""
    home = site_tree["home"]
    pages = {
        "teams": _section(home, TeamIndexPage, "teams", "队伍风采"),
        "stories": _section(home, StoryIndexPage, "stories", "队伍故事"),
        "top_ten": _section(home, TopTenIndexPage, "top-ten", "十佳社区响应队"),
        "contest": _section(home, ContestIndexPage, "contest", "短视频大赛"),
    }
    pages["workflow"] = publicity_setup()
    return {**site_tree, **pages}
