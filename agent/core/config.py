"""Settings: defaults < ``agent.toml`` < environment variables < CLI flags.

``agent.toml`` is looked up in the working directory (or ``AGENT_CONFIG``). Keys mirror
the field names below, under an ``[agent]`` table (or at the top level when the file has
no such table); environment variables use the names in ``ENV_NAMES``. Unknown keys are
reported as warnings; a value out of bounds is one :class:`ConfigError` naming the setting
and where it came from.
"""

from __future__ import annotations

import difflib
import logging
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from agent.core.errors import InputError

log = logging.getLogger(__name__)

SECTION = "agent"

_Price = Annotated[float, Field(ge=0)]


class ConfigError(InputError):
    """A configuration value is missing or malformed."""


class Settings(BaseModel):
    # storage
    store: Path = Path(".agent")
    chroma_url: str | None = None
    cache_dir: Path = Field(default_factory=lambda: default_cache_dir())
    max_file_mb: float = Field(25.0, gt=0)
    # chunking
    chunk_tokens: int = Field(350, ge=16)
    chunk_overlap_tokens: int = Field(40, ge=0, validate_default=True)
    # retrieval
    dense_weight: float = Field(0.6, ge=0, le=1)
    lexical_weight: float = Field(0.4, ge=0, le=1)
    ef_search: int = Field(500, ge=1)
    embedding: Literal["use", "openai"] = "use"
    embedding_model: str = "text-embedding-3-small"
    # LLM
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    gguf: Path | None = None
    mode: Literal["json_schema", "json", "tools", "md_json"] = "json_schema"
    timeout_s: float | None = Field(
        None, gt=0, description="seconds per HTTP try; unset: scaled to the tokens asked for")
    max_retries: int = Field(2, ge=0, le=20)
    http_retries: int = Field(2, ge=0, le=20)
    concurrency: int = Field(4, ge=1, le=256)
    temperature: float = Field(0.0, ge=0, le=2)
    n_ctx: int = Field(8192, ge=512)
    threads: int | None = Field(
        None, ge=1, description="embedded model threads; unset: the cores free at its start")
    window_chunks: int = Field(1, ge=1)
    support_check: bool = Field(
        False, description="ask the model whether the cited sentences answer a question "
        "code cannot check (reason, list, name); off: on the embedded 1.5B model it refused "
        "more right answers than it caught wrong ones")
    prices: dict[str, tuple[_Price, _Price]] = Field(
        default_factory=dict, description="model -> (USD per 1M prompt, per 1M completion)"
    )

    @field_validator("chunk_overlap_tokens")
    @classmethod
    def _overlap_below_chunk(cls, value: int, info: ValidationInfo) -> int:
        chunk = info.data.get("chunk_tokens")
        if chunk is not None and value >= chunk:
            raise ValueError(f"must be smaller than chunk_tokens ({chunk})")
        return value

    @property
    def uses_embedded(self) -> bool:
        return self.base_url is None

    @property
    def model_name(self) -> str:
        if self.model:
            return self.model
        if self.uses_embedded:
            return self.gguf.stem if self.gguf else "qwen2.5-coder-1.5b-instruct-q4_k_m"
        return "gpt-4o-mini"


ENV_NAMES: dict[str, str] = {
    "AGENT_STORE": "store",
    "AGENT_CHROMA_URL": "chroma_url",
    "AGENT_CACHE_DIR": "cache_dir",
    "AGENT_MAX_FILE_MB": "max_file_mb",
    "AGENT_CHUNK_TOKENS": "chunk_tokens",
    "AGENT_EMBEDDING": "embedding",
    "AGENT_MODEL": "model",
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_API_KEY": "api_key",
    "AGENT_GGUF": "gguf",
    "AGENT_MODE": "mode",
    "AGENT_TIMEOUT": "timeout_s",
    "AGENT_MAX_RETRIES": "max_retries",
    "AGENT_CONCURRENCY": "concurrency",
    "AGENT_THREADS": "threads",
    "AGENT_WINDOW_CHUNKS": "window_chunks",
    "AGENT_SUPPORT_CHECK": "support_check",
}


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zhijiao-agent"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from exc
    return _known_keys(_section(data, path), path)


def _section(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """The ``[agent]`` table, or the whole file when it has none."""
    if SECTION not in data:
        return data
    section = data[SECTION]
    if not isinstance(section, dict):
        raise ConfigError(
            f"{path}: `{SECTION}` must be the [{SECTION}] table of settings, "
            f"not {_toml_type(section)} ({SECTION} = {section!r})"
        )
    for key in data:
        if key != SECTION:
            _warn_once(f"{path}: `{key}` is outside the [{SECTION}] table and is ignored")
    return dict(section)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    """A warning about the settings file, once per process (a command may read its
    settings more than once)."""
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array"}
    return names.get(type(value), f"a {type(value).__name__}")


def _known_keys(section: dict[str, Any], path: Path) -> dict[str, Any]:
    """Drop keys ``Settings`` does not have, with one warning each."""
    fields = list(Settings.model_fields)
    known: dict[str, Any] = {}
    for key, value in section.items():
        if key in Settings.model_fields:
            known[key] = value
            continue
        close = _closest(key, fields)
        hint = f" (did you mean `{close}`?)" if close else ""
        _warn_once(f"{path}: unknown setting `{key}` ignored{hint}")
    return known


def _closest(key: str, names: list[str]) -> str | None:
    """The most similar name; two swapped letters (``modle``) beat a dropped one (``mode``),
    which difflib alone ranks higher."""
    close = difflib.get_close_matches(key, names, n=3)
    return next((c for c in close if sorted(c) == sorted(key)), close[0] if close else None)


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def put(key: str, value: Any, source: str) -> None:
        values[key] = value
        sources[key] = source

    config_path = Path(os.environ.get("AGENT_CONFIG", "agent.toml"))
    if config_path.is_file():
        for key, value in _read_toml(config_path).items():
            put(key, value, str(config_path))
    elif "AGENT_CONFIG" in os.environ:
        raise ConfigError(f"AGENT_CONFIG points at {config_path}, which does not exist")
    for env, key in ENV_NAMES.items():
        if os.environ.get(env):
            put(key, os.environ[env], f"environment variable {env}")
    for key, value in (overrides or {}).items():
        if value is not None:
            put(key, value, "command line")
    return _validated(values, sources)


# Settings checked against another one: an error names where that other one came from too.
_RELATED = {"chunk_overlap_tokens": "chunk_tokens"}


def _validated(values: dict[str, Any], sources: dict[str, str]) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources)) from exc


def _describe(exc: ValidationError, sources: dict[str, str]) -> str:
    """The first validation error as one line: setting, value, origin, reason."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    key = str(first["loc"][0]) if first["loc"] else ""
    origin = sources.get(key, "defaults")
    reason = str(first["msg"]).removeprefix("Value error, ")
    related = _RELATED.get(key)
    if related in sources:
        reason += f"; {related} comes from {sources[related]}"
    return f"bad setting {loc} = {_shown(first['input'])} (from {origin}): {reason}"


def _shown(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) and value.strip() else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
