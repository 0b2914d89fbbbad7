"""Word lists and small regex tables as data: one TOML file per topic in this folder.

Every entry is general Chinese news or policy language; a file's comments give an example
from outside the seed documents for each list. Code asks for a list by file and key::

    lexicon.words("organisations", "institution_suffixes")  # -> tuple of strings
    lexicon.table("numbers", "counters")                     # -> dict
    lexicon.alternation("events", "founding_verbs")          # -> "成立|组建|…" (longest first)
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any


class LexiconError(Exception):
    """A word list file or key is missing or has the wrong shape (a packaging bug)."""


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed ``<name>.toml`` of this package (read once per process)."""
    try:
        text = resources.files(__name__).joinpath(f"{name}.toml").read_text("utf-8")
    except FileNotFoundError as exc:
        raise LexiconError(f"word list file {name}.toml is missing") from exc
    return tomllib.loads(text)


def _get(name: str, key: str) -> Any:
    data: Any = load(name)
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            raise LexiconError(f"{name}.toml has no {key!r}")
        data = data[part]
    return data


@cache
def words(name: str, key: str) -> tuple[str, ...]:
    """A list of strings, in file order."""
    value = _get(name, key)
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise LexiconError(f"{name}.toml {key!r} must be a list of strings")
    return tuple(value)


@cache
def table(name: str, key: str) -> dict[str, Any]:
    """A table (mapping); values as written in the file."""
    value = _get(name, key)
    if not isinstance(value, dict):
        raise LexiconError(f"{name}.toml {key!r} must be a table")
    return dict(value)


@cache
def alternation(name: str, key: str) -> str:
    """The words as an escaped regex alternation, longest first (so 联合体 beats 联合)."""
    return "|".join(re.escape(w) for w in sorted(words(name, key), key=len, reverse=True))
