"""Prompt templates stored as ``agent/prompts/<name>.md`` (format: its ``README.md``).

A file has a front matter header and ``## system`` / ``## user`` sections::

    ---
    name: summarize
    version: 3
    ---
    ## system
    Fixed instructions, schema notes, examples ...
    ## user
    Extract ... from this document:
    {{document}}

Variables are ``{{name}}`` (spaces inside the braces allowed), substituted in one pass:
values are inserted verbatim and never re-expanded. Put the fixed text first and the
variable document text last so llama.cpp reuses the cached prompt prefix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from agent.core.errors import AgentError

VAR_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
SECTION_RE = re.compile(r"^##[ \t]+(system|user)[ \t]*$", re.IGNORECASE | re.MULTILINE)
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


class PromptError(AgentError):
    """A prompt template is missing or malformed."""


def prompts_dir() -> Path:
    """``AGENT_PROMPTS_DIR`` if set, else the package's own ``agent/prompts``."""
    env = os.environ.get("AGENT_PROMPTS_DIR")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent / "prompts"


def variables_in(template: str) -> set[str]:
    return set(VAR_RE.findall(template))


def substitute(template: str, values: dict[str, object]) -> str:
    """Replace ``{{var}}``; a missing variable is a PromptError."""
    missing = sorted(variables_in(template) - values.keys())
    if missing:
        raise PromptError(f"prompt variables not given: {', '.join(missing)}")
    return VAR_RE.sub(lambda m: str(values[m.group(1)]), template)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user_template: str
    path: Path | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        """``name@version``: the cache and call log label."""
        return f"{self.name}@{self.version}"

    @property
    def variables(self) -> set[str]:
        return variables_in(self.system) | variables_in(self.user_template)

    def render(self, **values: object) -> list[dict[str, str]]:
        """Chat messages: system (fixed part) then user (template with values)."""
        messages: list[dict[str, str]] = []
        system = substitute(self.system, values).strip()
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": substitute(self.user_template, values).strip()})
        return messages


def _parse_front_matter(text: str, source: str) -> tuple[dict[str, str], str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise PromptError(f"{source}: must start with a '---' front matter header")
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        stripped = line.strip()
        if stripped == "---":
            return meta, "".join(lines[i + 1 :])
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition(":")
        if not sep:
            raise PromptError(f"{source}: front matter line {i + 1} is not 'key: value'")
        meta[key.strip().lower()] = value.strip().strip("'\"")
    raise PromptError(f"{source}: front matter header is not closed with '---'")


def parse_prompt(text: str, *, default_name: str, source: str = "<prompt>") -> Prompt:
    meta, body = _parse_front_matter(text.lstrip("\ufeff"), source)
    name = meta.get("name") or default_name
    version = meta.get("version")
    if not version:
        raise PromptError(f"{source}: front matter needs a 'version'")
    sections: dict[str, str] = {}
    matches = list(SECTION_RE.finditer(body))
    if not matches:
        raise PromptError(f"{source}: needs a '## user' section (and optionally '## system')")
    for idx, match in enumerate(matches):
        role = match.group(1).lower()
        if role in sections:
            raise PromptError(f"{source}: duplicate '## {role}' section")
        end = matches[idx + 1].start() if idx + 1 < len(matches) else len(body)
        sections[role] = body[match.end() : end].strip("\n")
    if "user" not in sections:
        raise PromptError(f"{source}: needs a '## user' section")
    return Prompt(
        name=name,
        version=version,
        system=sections.get("system", ""),
        user_template=sections["user"],
    )


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load ``<prompts dir>/<name>.md``."""
    if not NAME_RE.match(name):
        raise PromptError(f"bad prompt name {name!r}")
    base = directory if directory is not None else prompts_dir()
    return _load(base.resolve() / f"{name}.md", name)


@lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int, name: str) -> Prompt:
    text = path.read_text(encoding="utf-8")
    prompt = parse_prompt(text, default_name=name, source=str(path))
    return Prompt(prompt.name, prompt.version, prompt.system, prompt.user_template, path)


def _load(path: Path, name: str) -> Prompt:
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise PromptError(
            f"prompt {name!r} not found at {path} (is AGENT_PROMPTS_DIR right?)"
        ) from None
    return _load_cached(path, mtime, name)


def list_prompts(directory: Path | None = None) -> list[str]:
    base = directory if directory is not None else prompts_dir()
    return sorted(p.stem for p in base.glob("*.md") if p.name.lower() != "readme.md")


def fence(text: str, tag: str = "document", **attrs: object) -> str:
    """Wrap untrusted text in ``<tag attr="...">…</tag>`` so it reads as data.

    Any ``<tag`` / ``</tag`` inside the text is escaped as ``&lt;tag`` / ``&lt;/tag`` so
    the text cannot close the fence early or open a nested one.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", tag):
        raise ValueError(f"bad fence tag {tag!r}")
    escaped = re.sub(rf"<(/?)(?={re.escape(tag)}\b)", r"&lt;\1", text, flags=re.IGNORECASE)
    rendered = "".join(
        f' {key}="{str(value).replace("&", "&amp;").replace(chr(34), "&quot;")}"'
        for key, value in attrs.items()
    )
    return f"<{tag}{rendered}>\n{escaped}\n</{tag}>"
