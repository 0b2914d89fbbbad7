"""agent.toml and AGENT_* values are checked: one ``error:`` line (exit 2) for a bad value,
one ``warning:`` line for an unknown key; LLM failures are not preceded by library logs."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel, ValidationError

from agent.cli.app import main
from agent.core.config import ConfigError, Settings, load_settings


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv("AGENT_CONFIG", str(path))
    return path


def _usage(tmp_path: Path, *flags: str, env: dict[str, str] | None = None) -> Result:
    """``agent usage --json``: loads the settings and reads the (empty) call log."""
    return CliRunner().invoke(main, [*flags, "usage", "--json"],
                              env={"AGENT_CACHE_DIR": str(tmp_path / "cache"), **(env or {})})


def _lines(result: Result, prefix: str) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith(prefix)]


def _one_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    (error,) = _lines(result, "error:")
    assert "Traceback" not in result.output and "validation error" not in result.output
    assert "For further information" not in result.output
    return error


# --------------------------------------------------------------------------- file shape


@pytest.mark.parametrize("body", ["agent = 5\n", 'agent = "x"\n', "[[agent]]\nmodel = 'm'\n"])
def test_agent_key_that_is_not_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       body: str) -> None:
    path = _config(tmp_path, monkeypatch, body)
    error = _one_error(_usage(tmp_path))
    assert str(path) in error and "[agent] table" in error


def test_agent_key_that_is_not_a_table_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(tmp_path, monkeypatch, "agent = 5\n")
    with pytest.raises(ConfigError, match="not an integer"):
        load_settings()


# --------------------------------------------------------------------------- unknown keys


def test_unknown_key_warns_with_closest_name_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, monkeypatch, '[agent]\nmodle = "x"\nwindow_chunks = 2\n')
    result = _usage(tmp_path)
    assert result.exit_code == 0, result.output
    (warning,) = _lines(result, "warning:")
    assert str(path) in warning and "`modle`" in warning and "did you mean `model`" in warning
    assert not _lines(result, "error:")
    assert load_settings().window_chunks == 2


def test_key_outside_the_agent_table_warns(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, 'model = "m"\n[agent]\nwindow_chunks = 2\n')
    result = _usage(tmp_path)
    assert result.exit_code == 0, result.output
    (warning,) = _lines(result, "warning:")
    assert "`model` is outside the [agent] table" in warning


def test_unknown_key_without_a_close_match(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, "[agent]\nzzz = 1\n")
    (warning,) = _lines(_usage(tmp_path), "warning:")
    assert "`zzz`" in warning and "did you mean" not in warning


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("env", "value", "setting"),
    [
        ("AGENT_MAX_FILE_MB", "-1", "max_file_mb"),
        ("AGENT_TIMEOUT", "-5", "timeout_s"),
        ("AGENT_CHUNK_TOKENS", "0", "chunk_tokens"),
        ("AGENT_CONCURRENCY", "0", "concurrency"),
        ("AGENT_WINDOW_CHUNKS", "-2", "window_chunks"),
        ("AGENT_MAX_RETRIES", "-1", "max_retries"),
        ("AGENT_THREADS", "0", "threads"),
        ("AGENT_CHUNK_TOKENS", "many", "chunk_tokens"),
    ],
)
def test_bad_environment_value_is_one_error_line(tmp_path: Path, env: str, value: str,
                                                 setting: str) -> None:
    error = _one_error(_usage(tmp_path, env={env: value}))
    assert f"bad setting {setting} = {value} " in error
    assert f"environment variable {env}" in error


@pytest.mark.parametrize(
    ("line", "setting"),
    [
        ("dense_weight = 1.5", "dense_weight"),
        ("lexical_weight = -0.1", "lexical_weight"),
        ("n_ctx = 256", "n_ctx"),
        ("threads = 0", "threads"),
        ("temperature = 2.5", "temperature"),
        ("ef_search = 0", "ef_search"),
        ("http_retries = -1", "http_retries"),
        ("chunk_overlap_tokens = 350", "chunk_overlap_tokens"),
        ('prices = { "m" = [-1.0, 2.0] }', "prices.m.0"),
        ('mode = "xml"', "mode"),
    ],
)
def test_bad_file_value_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          line: str, setting: str) -> None:
    monkeypatch.delenv("AGENT_THREADS", raising=False)  # set by CI; it would win over the file
    path = _config(tmp_path, monkeypatch, f"[agent]\n{line}\n")
    error = _one_error(_usage(tmp_path))
    assert f"bad setting {setting} = " in error and f"(from {path})" in error


def test_overlap_must_stay_below_a_smaller_chunk_size(tmp_path: Path) -> None:
    error = _one_error(_usage(tmp_path, env={"AGENT_CHUNK_TOKENS": "30"}))
    assert "chunk_overlap_tokens" in error and "smaller than chunk_tokens (30)" in error
    assert "environment variable AGENT_CHUNK_TOKENS" in error


def test_settings_bounds_directly() -> None:
    for bad in ({"chunk_tokens": 100, "chunk_overlap_tokens": 100}, {"n_ctx": 511},
                {"temperature": -0.1}, {"dense_weight": 2}, {"max_file_mb": 0}):
        with pytest.raises(ValidationError):
            Settings(**bad)
    ok = Settings(chunk_tokens=100, chunk_overlap_tokens=99, n_ctx=512, temperature=2,
                  threads=1, max_retries=0, http_retries=0, dense_weight=1, lexical_weight=0)
    assert ok.chunk_overlap_tokens == 99


def test_defaults_and_test_config_are_valid() -> None:
    assert load_settings().chunk_tokens == 350


# --------------------------------------------------------------------------- LLM log lines


class _City(BaseModel):
    city: str


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _failing_summary(ctx: click.Context, *_args: Any) -> Any:
    """Stands in for the store and extraction: one real structured call to a dead endpoint."""
    from agent.cli.common import settings_from
    from agent.core.prompts import Prompt
    from agent.llm.client import LLM

    prompt = Prompt(name="city", version="1", system="Extract the city.",
                    user_template="{{doc}}")
    settings = settings_from(ctx, http_retries=0)
    with LLM(settings, "summarize") as llm:
        llm.structured(_City, prompt.render(doc="郑州"), prompt=prompt, max_tokens=9)


def _summarize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *flags: str) -> Result:
    monkeypatch.setattr("agent.cli.summaries._run_summary", _failing_summary)
    # as outside pytest: no handler on the root logger, so unconfigured records reach stderr
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{_closed_port()}/v1", "OPENAI_API_KEY": "k",
           "AGENT_MODEL": "m", "AGENT_MAX_RETRIES": "1",
           "AGENT_CACHE_DIR": str(tmp_path / "cache")}
    return CliRunner().invoke(main, [*flags, "summarize"], env=env)


def test_llm_error_is_one_line_without_instructor_logs(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    result = _summarize(tmp_path, monkeypatch)
    assert result.exit_code == 4, result.output
    assert result.stderr.splitlines() == _lines(result, "error:")
    (error,) = _lines(result, "error:")
    assert "connection failed" in error
    assert "API call failed" not in result.output and "Traceback" not in result.output


def test_verbose_shows_instructor_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _summarize(tmp_path, monkeypatch, "-v")
    assert result.exit_code == 4, result.output
    assert "error: instructor.v2.retry: API call failed on attempt 1" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ")


def test_a_settings_file_is_warned_about_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    _config(tmp_path, monkeypatch, '[agent]\nmodle = "x"\n')
    with caplog.at_level("WARNING", logger="agent"):
        load_settings()
        load_settings()  # a command may read its settings more than once
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
