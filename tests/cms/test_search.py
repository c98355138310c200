"""Chinese search: a word in the middle of a sentence is found, on SQLite and PostgreSQL."""

import pytest

from cms.search import chinese_query, segment
from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


def test_segment_splits_chinese_runs_into_bigrams_and_keeps_other_words():
    assert segment("心肺复苏 AED") == "心肺 肺复 复苏 苏 aed"
    assert segment("火") == "火"
    assert segment("") == ""


def test_query_without_searchable_text_is_none():
    assert chinese_query("  ，。！ ") is None


@pytest.fixture
def articles(site_tree):
    index = site_tree["index"]
    first_aid = ArticlePageFactory(
        parent=index,
        title="身边有人倒下怎么办",
        hazard_type="first_aid",
        summary="学会基本急救，关键时刻能救命。",
        body=[
            ("paragraph", "<p>发现有人倒地后，应立即判断意识并开始心肺复苏，同时请人拨打120。</p>"),
        ],
    )
    flood = ArticlePageFactory(
        parent=index,
        title="汛期防汛避险指南",
        hazard_type="flood",
        summary="暴雨来临前要做好准备。",
        body=[("paragraph", "<p>请提前熟悉社区公布的转移路线和安置点，听从指挥有序撤离。</p>")],
    )
    unrelated = ArticlePageFactory(
        parent=index,
        title="居家防火常识",
        hazard_type="home_fire",
        summary="电动车不要在室内充电。",
        body=[("paragraph", "<p>复苏的植物与心肺无关，路线图也在这里。</p>")],
    )
    return {"first_aid": first_aid, "flood": flood, "unrelated": unrelated}


def titles(response):
    return [page.title for page in response.context["results"]]


def test_word_mid_sentence_is_found(client, articles):
    response = client.get("/search/", {"q": "心肺复苏"})
    assert response.status_code == 200
    assert titles(response) == ["身边有人倒下怎么办"]
    assert "身边有人倒下怎么办" in response.content.decode()

    response = client.get("/search/", {"q": "转移路线"})
    assert titles(response) == ["汛期防汛避险指南"]


def test_characters_apart_do_not_match_a_phrase(client, articles):
    # "复苏" and "心肺" both occur in the unrelated article, but not together as 心肺复苏.
    response = client.get("/search/", {"q": "心肺复苏"})
    assert articles["unrelated"].title not in titles(response)


def test_several_words_must_all_match(client, articles):
    assert titles(client.get("/search/", {"q": "心肺复苏 120"})) == ["身边有人倒下怎么办"]
    assert titles(client.get("/search/", {"q": "心肺复苏 安置点"})) == []


def test_title_match_ranks_above_body_match(client, site_tree, articles):
    in_title = ArticlePageFactory(
        parent=site_tree["index"],
        title="转移路线怎么走",
        summary="撤离要点。",
        body=[("paragraph", "<p>听从社区安排。</p>")],
    )
    result = titles(client.get("/search/", {"q": "转移路线"}))
    assert result[0] == in_title.title
    assert set(result) == {in_title.title, "汛期防汛避险指南"}


def test_unpublished_article_is_not_found(client, site_tree):
    ArticlePageFactory(
        parent=site_tree["index"],
        title="草稿文章",
        live=False,
        body=[("paragraph", "<p>这是一篇关于心肺复苏的草稿。</p>")],
    )
    assert titles(client.get("/search/", {"q": "心肺复苏"})) == []


def test_empty_and_nonsense_queries_render_a_page(client, articles):
    assert client.get("/search/").status_code == 200
    response = client.get("/search/", {"q": "！！！"})
    assert response.status_code == 200
    assert "没有找到相关内容" in response.content.decode()
