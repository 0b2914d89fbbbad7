"""Settings: defaults < ``agent.toml`` < environment variables < CLI flags.

``agent.toml`` is looked up in the working directory (or ``AGENT_CONFIG``). Keys mirror
the field names below; environment variables use the names in ``ENV_NAMES``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from agent.core.errors import InputError


class ConfigError(InputError):
    """A configuration value is missing or malformed."""


class Settings(BaseModel):
    # storage
    store: Path = Path(".agent")
    chroma_url: str | None = None
    cache_dir: Path = Field(default_factory=lambda: default_cache_dir())
    max_file_mb: float = 25.0
    # chunking
    chunk_tokens: int = 350
    chunk_overlap_tokens: int = 40
    # retrieval
    dense_weight: float = 0.6
    lexical_weight: float = 0.4
    ef_search: int = 500
    embedding: Literal["use", "openai"] = "use"
    embedding_model: str = "text-embedding-3-small"
    # LLM
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    gguf: Path | None = None
    mode: Literal["json_schema", "json", "tools", "md_json"] = "json_schema"
    timeout_s: float = 300.0
    max_retries: int = 2
    http_retries: int = 2
    concurrency: int = 4
    temperature: float = 0.0
    n_ctx: int = 8192
    threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    window_chunks: int = 1
    prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="model -> (USD per 1M prompt, per 1M completion)"
    )

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
    section = data.get("agent", data)
    return dict(section)


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    values: dict[str, Any] = {}
    config_path = Path(os.environ.get("AGENT_CONFIG", "agent.toml"))
    if config_path.is_file():
        values.update(_read_toml(config_path))
    elif "AGENT_CONFIG" in os.environ:
        raise ConfigError(f"AGENT_CONFIG points at {config_path}, which does not exist")
    for env, key in ENV_NAMES.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    if overrides:
        values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"bad setting {loc}: {first['msg']}") from exc
