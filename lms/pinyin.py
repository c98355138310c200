"""Pinyin keys so that lists of names sort the way Chinese readers expect."""

from pypinyin import Style, lazy_pinyin

# Characters read differently as a surname (覃 is Qín in Guangxi, not tán); pypinyin reads
# words, not names, so the first character of a name is looked up here first.
SURNAME_READINGS = {
    "覃": "qin2",
    "单": "shan4",
    "仇": "qiu2",
    "区": "ou1",
    "解": "xie4",
    "查": "zha1",
    "朴": "piao2",
    "曾": "zeng1",
    "缪": "miao4",
    "乐": "yue4",
    "盖": "ge3",
    "召": "shao4",
    "任": "ren2",
    "华": "hua4",
    "纪": "ji3",
    "翟": "zhai2",
    "黑": "he4",
    "燕": "yan1",
    "秘": "bi4",
    "繁": "po2",
    "句": "gou1",
    "尉": "yu4",
    "万": "wan4",
    "莫": "mo4",
}


def sort_key(name: str) -> str:
    """覃小明 → 'qin2 xiao3 ming2': tone numbers break ties between same-sounding names."""
    name = name.strip()
    if not name:
        return ""
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    if name[0] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    return " ".join(syllables)
