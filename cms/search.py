"""Chinese-aware full-text search on Wagtail's database backends.

SQLite FTS5 (unicode61) and PostgreSQL ('simple') treat an unspaced run of
Chinese as a single token, so a word in the middle of a sentence is never
found. We index every Chinese run as overlapping bigrams (plus its last
character, so one-character queries still match) and turn a Chinese query into
a phrase of the same bigrams: the phrase matches exactly where the query's
characters stand together in the text, on both databases.
"""

import re

from wagtail.search import index
from wagtail.search.query import And, Phrase, PlainText

# CJK Unified Ideographs (with extension A and compatibility ideographs).
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_]+", re.UNICODE)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def segment(text: str) -> str:
    """Return `text` as space-separated tokens: Chinese runs as bigrams, other words as they are."""
    if not text:
        return ""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if _CJK_RUN.fullmatch(word):
            tokens.extend(_bigrams(word))
        else:
            tokens.append(word.lower())
    return " ".join(tokens)


def chinese_query(query_string: str):
    """Build a search query in which every term must appear; Chinese terms as bigram phrases.

    Returns None for a query with nothing searchable in it.
    """
    parts = []
    for match in _TOKEN.finditer(query_string or ""):
        word = match.group(0)
        if _CJK_RUN.fullmatch(word) and len(word) > 1:
            pairs = [word[i : i + 2] for i in range(len(word) - 1)]
            parts.append(Phrase(" ".join(pairs)))
        else:
            parts.append(PlainText(word.lower()))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


class SegmentedSearchField(index.SearchField):
    """A SearchField whose value is indexed as segmented Chinese (see `segment`)."""

    def get_value(self, obj):
        value = super().get_value(obj)
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return " ".join(segment(str(item)) for item in value)
        return segment(str(value))
