from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never read the user's agent.toml or endpoint variables."""
    for name in (
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
        "AGENT_MODEL",
        "AGENT_GGUF",
        "AGENT_CONFIG",
        "AGENT_STORE",
        "AGENT_CHROMA_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENT_CONFIG", str(ROOT / "tests" / "agent.test.toml"))
    os.environ.setdefault("AGENT_CACHE_DIR", str(Path.home() / ".cache" / "zhijiao-agent"))


@pytest.fixture
def seeds() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))
