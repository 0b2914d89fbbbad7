"""Alias and spin-reversal tables, and the canonical merge key for names.

Tables live in ``agent/lexicon/aliases.toml`` (shipped with the package) and can be
extended/overridden by a TOML file named in the ``AGENT_ALIASES`` environment variable
(same sections, plus ``[noise]``). Sections:

* ``[aliases]`` abbreviation → full name (哈职院 → 哈尔滨职业技术学院);
* ``[spin]`` reverse mappings of common synonym-spinning substitutions used by reprint
  sites (定约→联盟, 教化→教育, 产教统一→产教融合, 连合体→联合体, 协同体→共同体,
  今世→现代, 修成→建成, 职业教授→职业教育 …);
* ``[noise] words`` spam words removed from keys (开云); the bundled list is
  ``spam_words`` of ``agent/lexicon/cleaning.toml`` (cleaning deletes the same words
  from the text), a user file may add more;
* ``[prefixes] words`` generic leading verbs stripped from keys (成立, 组建 …).

All of this is used **only for matching** (merge keys); it is never applied to text
that is displayed or cited.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from agent import lexicon
from agent.text.normalize import normalise_for_match, strip_pinyin_glue

ENV_VAR = "AGENT_ALIASES"


def _key(text: str) -> str:
    """Normalise a table entry or a name: t2s, NFKC, lowercase, no whitespace/punctuation."""
    return normalise_for_match(strip_pinyin_glue(text), drop_punct=True)[0]


def _replacer(table: dict[str, str]) -> re.Pattern[str] | None:
    if not table:
        return None
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


@dataclass
class AliasTables:
    aliases: dict[str, str] = field(default_factory=dict)
    spin: dict[str, str] = field(default_factory=dict)
    noise: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._alias_re = _replacer(self.aliases)
        self._spin_re = _replacer(self.spin)
        self.prefixes = sorted(self.prefixes, key=len, reverse=True)
        self.noise = sorted(self.noise, key=len, reverse=True)

    def expand(self, key: str) -> str:
        if self._alias_re is None:
            return key
        return self._alias_re.sub(lambda m: self.aliases[m.group(0)], key)

    def unspin(self, key: str) -> str:
        if self._spin_re is None:
            return key
        return self._spin_re.sub(lambda m: self.spin[m.group(0)], key)


def _read_toml(data: dict[str, Any], into: dict[str, Any]) -> None:
    for section in ("aliases", "spin"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ValueError(f"[{section}] must be a table of strings")
        for k, v in table.items():
            if not isinstance(v, str):
                raise ValueError(f"[{section}] {k!r} must map to a string")
            kk, vv = _key(k), _key(v)
            if kk and kk != vv:
                into[section][kk] = vv
    for section in ("noise", "prefixes"):
        words = data.get(section, {}).get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"[{section}] words must be a list of strings")
        for w in words:
            kw = _key(w)
            if kw and kw not in into[section]:
                into[section].append(kw)


def load_tables(extra: Path | None = None) -> AliasTables:
    """Load the bundled tables, then ``extra`` (or ``$AGENT_ALIASES``) on top.

    The bundled noise words are the spam words of ``cleaning.toml``.
    """
    merged: dict[str, Any] = {"aliases": {}, "spin": {}, "noise": [], "prefixes": []}
    bundled = resources.files("agent.lexicon").joinpath("aliases.toml").read_text("utf-8")
    _read_toml(tomllib.loads(bundled), merged)
    spam = list(lexicon.words("cleaning", "spam_words"))
    _read_toml({"noise": {"words": spam}}, merged)
    if extra is None and os.environ.get(ENV_VAR):
        extra = Path(os.environ[ENV_VAR]).expanduser()
    if extra is not None:
        with extra.open("rb") as fh:
            _read_toml(tomllib.load(fh), merged)
    return AliasTables(**merged)


@lru_cache(maxsize=1)
def _cached(env_value: str | None) -> AliasTables:
    return load_tables(Path(env_value).expanduser() if env_value else None)


def tables() -> AliasTables:
    """The active tables (cached; re-read when ``$AGENT_ALIASES`` changes)."""
    return _cached(os.environ.get(ENV_VAR) or None)


def reload() -> None:
    """Forget cached tables (e.g. after editing the user file)."""
    _cached.cache_clear()
    _canonical.cache_clear()


@lru_cache(maxsize=65536)
def _canonical(name: str, env_value: str | None) -> str:
    t = _cached(env_value)
    key = _key(name)
    for word in t.noise:
        key = key.replace(word, "")
    key = t.unspin(t.expand(key))
    changed = True
    while changed:
        changed = False
        for p in t.prefixes:
            if key.startswith(p) and len(key) > len(p):
                key = key[len(p) :]
                changed = True
                break
    return key


def canonical_name(name: str) -> str:
    """Merge key for ``name``.

    t2s (character-wise), NFKC width folding, lowercase; pinyin glue, whitespace,
    quotes, brackets and other punctuation removed; spam words removed; aliases
    expanded (哈职院 → 哈尔滨职业技术学院); spun synonyms reversed (定约 → 联盟);
    generic leading verbs (成立/组建…) stripped. Never display the result.
    """
    return _canonical(name, os.environ.get(ENV_VAR) or None)


def full_name(name: str) -> str:
    """The full name when ``name`` as a whole is a known abbreviation, else ``name``.

    Safe for display (it returns a table value as written, normalised), e.g. to show
    哈尔滨职业技术学院 for a lead given as 哈职院.
    """
    t = tables()
    return t.aliases.get(_key(name), name)
