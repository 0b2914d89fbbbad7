"""Whether a text says what a word of a question says, in the words the text uses.

A reader asks about 中职 where the article writes 中等职业学校, about 城市 where it lists
长沙市、株洲市、湘潭市. The tables are data (``lexicon/terms.toml``: equivalent words, narrower
words, class nouns answered by names; the abbreviations of ``aliases.toml``); this module
only applies them. Words and texts are compared in their simplified search form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from agent import lexicon

_NAME_CHARS = r"[\u4e00-\u9fff]"
# What may follow a name in a list: "长沙市、株洲市等", "衢州市和金华市".
_AFTER_NAME = r"(?=[、，,。；;：:和及与等（(\s”\"」]|$)"


@cache
def _forms() -> dict[str, tuple[str, ...]]:
    forms: dict[str, set[str]] = {}

    def link(word: str, others: Iterable[str]) -> None:
        forms.setdefault(word, {word}).update(others)

    for group in lexicon.load("terms")["groups"]:
        for word in group:
            link(word, group)
    for abbreviation, full in lexicon.table("aliases", "aliases").items():
        link(abbreviation, [full])
        link(full, [abbreviation])
    for general, narrower in lexicon.table("terms", "narrower").items():
        for word in set(forms.get(general, {general})):
            link(word, narrower)
    return {w: tuple(sorted(f, key=lambda x: (-len(x), x))) for w, f in forms.items()}


@cache
def _instance_patterns() -> dict[str, re.Pattern[str]]:
    out: dict[str, re.Pattern[str]] = {}
    for noun, endings in lexicon.table("terms", "instances").items():
        alt = "|".join(re.escape(e) for e in sorted(endings, key=len, reverse=True))
        out[noun] = re.compile(rf"{_NAME_CHARS}{{1,7}}(?:{alt}){_AFTER_NAME}")
    return out


def forms(word: str) -> tuple[str, ...]:
    """``word`` and the words that say the same (equivalents, narrower words), longest
    first: ``forms("普高")`` → ``("普通高中", "普高")``."""
    return _forms().get(word, (word,))


def says(word: str, text: str, *, instances: bool = False) -> bool:
    """Whether ``text`` (simplified) says ``word``: literally, by an equivalent or a
    narrower word, or (``instances``: where the question asks for the class, as in
    “几个城市”) for a class noun (城市, 省份, 院校…) by naming an instance."""
    if any(f in text for f in forms(word)):
        return True
    if not instances:
        return False
    pattern = _instance_patterns().get(word)
    return pattern is not None and pattern.search(text) is not None
