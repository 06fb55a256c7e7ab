"""Writes of the delegates app."""

import re
import unicodedata

from django.db import transaction
from pypinyin import Style, lazy_pinyin

from .models import Delegate

# pypinyin (0.55) has no surname mode: it reads a name like any text, so 单 comes out "dan",
# 曾 "ceng", 解 "jie" (mozillazg/python-pinyin#297 and #120, both open). The surname is the
# first one or two characters of a Chinese name, so we read those from the two tables below
# and leave the given name to pypinyin. Only surnames whose reading differs from pypinyin's
# default, or that span two characters, need to be here.

# Compound surnames (复姓). 单于 is left out on purpose: it is almost extinct, and a 单 with a
# given name starting 于 (单于飞) is far likelier; that reads shan + yu.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "上官": ("shang", "guan"),
    "诸葛": ("zhu", "ge"),
    "东方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "慕容": ("mu", "rong"),
    "令狐": ("ling", "hu"),
    "宇文": ("yu", "wen"),
    "公孙": ("gong", "sun"),
    "夏侯": ("xia", "hou"),
    "澹台": ("tan", "tai"),
    "端木": ("duan", "mu"),
    "轩辕": ("xuan", "yuan"),
    "司徒": ("si", "tu"),
    "司空": ("si", "kong"),
    "南宫": ("nan", "gong"),
    "西门": ("xi", "men"),
    "呼延": ("hu", "yan"),
    "申屠": ("shen", "tu"),
    "闻人": ("wen", "ren"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "太史": ("tai", "shi"),
    "乐正": ("yue", "zheng"),
    "亓官": ("qi", "guan"),
    "第五": ("di", "wu"),
}

# Single-character surnames read differently from the character's common reading.
SURNAMES: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "秘": "bi",
    "重": "chong",
    "种": "chong",
    "繁": "po",
    "乐": "yue",
    "阚": "kan",
    "折": "she",
    "佴": "nai",
    "粘": "nian",
    "员": "yun",
    "贠": "yun",
    "句": "gou",
    "召": "shao",
    "长": "chang",
    "洗": "xian",
    "乜": "nie",
    "薄": "bo",
    "都": "du",
    "黑": "he",
    "祭": "zhai",
    "卜": "bu",
    "角": "jue",
    "颉": "xie",
}

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# CJK unified ideographs, extension A and the supplementary-plane extensions.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


def _syllables(text: str) -> list[str]:
    """Toneless lower-case syllables of ``text``; other scripts pass through, symbols drop."""
    result = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL):
        # Non-Chinese runs come back whole ("John", "·"); keep their letters and digits.
        for part in _NOT_ALNUM.split(chunk.lower()):
            if part:
                result.append(part)
    return result


def name_syllables(name: str) -> list[str]:
    """The pinyin syllables of a person's name, reading the surname as a surname."""
    # NFKC folds full-width letters and digits.
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not _HAN.match(name):
        # Not a Chinese name (empty, or e.g. a Latin-script name): no surname rule applies.
        return _syllables(name)
    # Spaces inside a Chinese name carry no meaning ("张 建华").
    name = "".join(name.split())
    if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
        return [*COMPOUND_SURNAMES[name[:2]], *_syllables(name[2:])]
    if name[0] in SURNAMES:
        return [SURNAMES[name[0]], *_syllables(name[1:])]
    # Converted apart from the given name so that a phrase never spans the two.
    return [*_syllables(name[0]), *_syllables(name[1:])]


def delegate_set_search_names(*, delegate: Delegate) -> None:
    """Fill ``name_pinyin`` (zhangjianhua) and ``name_initials`` (zjh) from ``name``; no save."""
    syllables = name_syllables(delegate.name)
    pinyin_max = Delegate._meta.get_field("name_pinyin").max_length
    initials_max = Delegate._meta.get_field("name_initials").max_length
    delegate.name_pinyin = "".join(syllables)[:pinyin_max]
    delegate.name_initials = "".join(s[0] for s in syllables)[:initials_max]


def delegate_save(*, delegate: Delegate) -> Delegate:
    """Validate and save a delegate (new or edited) with its pinyin search names in step."""
    with transaction.atomic():
        # Search names first, so that validation covers them too.
        delegate_set_search_names(delegate=delegate)
        delegate.full_clean()
        delegate.save()
    return delegate
