"""A window whose every answer fails validation is a failed window: counted, reported, and
a non-zero exit unless ``--keep-going`` (issue 13, item 10). Fakes only at the HTTP
boundary: the model's answers are wrong in shape, which no real model can be made to do
on demand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from agent.cli import main
from agent.core.config import Settings
from agent.extract import extraction as X
from agent.ingest.cleaning import document_from_text
from agent.llm.client import LLM

BASE = "http://llm.test/v1"
URL = BASE + "/chat/completions"
TEXT = "6月12日，江城技工教育联盟成立大会在江城技师学院举办。联盟由江城技师学院牵头建立。"


ALLIANCE = json.dumps({"alliances": [{"name": "江城技工教育联盟", "lead": "江城技师学院",
                                       "members": [], "founded": "6月12日"}]},
                      ensure_ascii=False)


def _completion(content: str) -> dict[str, Any]:
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 10, "total_tokens": 40}}


def _answer_events_wrongly(request: httpx.Request) -> httpx.Response:
    """Alliances answered well; events always as a JSON object without ``events``."""
    sent = json.dumps(json.loads(request.content)["messages"], ensure_ascii=False)
    if "alliances" in sent:
        return httpx.Response(200, json=_completion(ALLIANCE))
    return httpx.Response(200, json=_completion('{"result": [], "note": "无"}'))


@respx.mock
def test_window_answered_in_another_shape_is_failed_not_empty(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, base_url=BASE, api_key="k", model="m",
                        max_retries=2, http_retries=0, timeout_s=5.0)
    route = respx.post(URL).mock(side_effect=_answer_events_wrongly)
    doc = document_from_text(TEXT, path="mem.txt", doc_id="d1")
    stats = X.ExtractionStats()
    with LLM(settings, "test") as llm:
        result = X.extract_document(llm, doc, settings, stats)
    assert route.call_count == 1 + 3  # alliances once; events first try and two re-asks
    assert result.error is None
    assert stats.failed_windows == 1 and stats.windows == 2
    [lost] = result.failed_windows
    assert lost.startswith("events in characters 0–") and "`events`" in lost
    assert [a.name for a in result.alliances] == ["江城技工教育联盟"]  # the good window counts


@pytest.mark.parametrize(("answer", "ok"), [
    ({}, True),  # the schema leaves the list optional: nothing found
    ({"events": []}, True),
    ({"result": []}, False),
    ([], False),
    ({"event": [{"name": "x"}]}, False),
])
def test_an_answer_without_the_list_is_wrong_unless_empty(answer: Any, ok: bool) -> None:
    from pydantic import ValidationError

    if ok:
        assert X.VerifiedEvents.model_validate(answer).events == []
    else:
        with pytest.raises(ValidationError, match="`events`"):
            X.VerifiedEvents.model_validate(answer)


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "jiangcheng.txt").write_text(TEXT + "\n", encoding="utf-8")
    config = tmp_path / "agent.toml"
    config.write_text("[agent]\nhttp_retries = 0\nmax_retries = 2\ntimeout_s = 5\n",
                      encoding="utf-8")
    for name, value in {"AGENT_CONFIG": config, "OPENAI_BASE_URL": BASE,
                        "OPENAI_API_KEY": "k", "AGENT_MODEL": "m",
                        "AGENT_CACHE_DIR": tmp_path / "cache",
                        "AGENT_STORE": tmp_path / "store"}.items():
        monkeypatch.setenv(name, str(value))
    done = CliRunner().invoke(main, ["ingest", str(corpus)])
    assert done.exit_code == 0, done.output
    return tmp_path


@respx.mock
def test_summarize_exits_4_naming_the_lost_window(cli_store: Path) -> None:
    respx.post(URL).mock(side_effect=_answer_events_wrongly)
    out = cli_store / "summary.json"
    result = CliRunner().invoke(main, ["summarize", "--json", "-o", str(out)])
    assert result.exit_code == 4
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "jiangcheng.txt: 1 window not read (events in" in errors[0]
    saved = json.loads(out.read_text(encoding="utf-8"))  # what was read is still written
    assert saved["documents"][0]["failed_windows"] and saved["documents"][0]["error"] is None
    assert [a["name"] for a in saved["merged"]["alliances"]] == ["江城技工教育联盟"]


@respx.mock
def test_keep_going_exits_0_with_a_warning_and_the_report_lists_it(cli_store: Path) -> None:
    respx.post(URL).mock(side_effect=_answer_events_wrongly)
    out_dir = cli_store / "report"
    result = CliRunner().invoke(main, ["report", "--no-overview", "--keep-going", "-o",
                                       str(out_dir), "--format", "md,json,xlsx,csv"])
    assert result.exit_code == 0, result.output
    assert "warning: jiangcheng.txt: 1 window not read" in result.stderr
    assert "error:" not in result.stderr
    markdown = (out_dir / "report.md").read_text(encoding="utf-8")
    assert "1 window not read" in markdown and "1 partly read" in markdown
    data = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert data["documents"][0]["failed_windows"]
    assert sorted(p.name for p in out_dir.glob("report*")) == [
        "report-alliances.csv", "report-events.csv", "report-evidence.csv",
        "report-targets.csv", "report.json", "report.md", "report.xlsx"]
