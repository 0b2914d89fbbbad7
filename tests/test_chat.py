"""agent chat: JSON-lines mode with follow-up rewriting, commands, saved sessions, a pty run."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from agent.cli import main
from agent.core.config import load_settings
from agent.index.store import Store
from agent.ingest.pipeline import ingest
from agent.qa.answer import needs_rewrite as needs_rewrite_cue
from agent.qa.chat import run_lines

BASE = "http://llm.test/v1"
URL = BASE + "/chat/completions"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ROOT = Path(__file__).resolve().parent.parent

Q1 = "中原经济区技工教育联盟由哪所学校牵头建立？"
Q2 = "它的成立大会在哪天举办？"
REWRITTEN = "中原经济区技工教育联盟成立大会在哪天举办？"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chat")
    store = Store(load_settings({"store": root / "store"}))
    corpus = root / "corpus"
    corpus.mkdir()
    for s in sorted(SEEDS.glob("*.txt")):
        shutil.copy(s, corpus / s.name)
    assert not ingest(store, [corpus]).failed
    store.db.close()
    return root / "store"


def _completion(content: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 0, "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 200, "completion_tokens": 30, "total_tokens": 230}}


def _sse(text: str) -> bytes:
    chunk = {"id": "c2", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
             "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    end = {"id": "c2", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    lines = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in (chunk, end)]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def _source_with(user: str, needle: str) -> int:
    """Number ``[n]`` of the shown sentence that contains ``needle``."""
    for m in re.finditer(r"^\[(\d+)\](.*)$", user, re.M):
        if needle in m.group(2):
            return int(m.group(1))
    return 1


def fake_model(body: dict[str, Any]) -> tuple[str, bytes]:
    """(content type, body) a tiny fake model gives for a chat request."""
    if body.get("stream"):  # the rewrite prompt (plain text, streamed)
        return "text/event-stream", _sse(REWRITTEN)
    user = body["messages"][1]["content"]
    question = user.rsplit("问题：", 1)[-1]
    if "哪天" in question or "何时" in question:
        answer, src = "6月12日。", _source_with(user, "6月12日")
    elif "投入" in question:
        answer, src = "投入资金3.19亿元。", _source_with(user, "3.19")
    else:
        answer, src = "由冀南技师学院牵头建立。", _source_with(user, "牵头建立")
    draft = {"answerable": True, "answer": answer, "cite": [src]}
    return "application/json", json.dumps(_completion(json.dumps(draft, ensure_ascii=False)),
                                          ensure_ascii=False).encode()


def _handler(request: httpx.Request) -> httpx.Response:
    ctype, content = fake_model(json.loads(request.content))
    return httpx.Response(200, headers={"content-type": ctype}, content=content)


@pytest.fixture
def cli_env(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "agent.toml"
    config.write_text("[agent]\nhttp_retries = 0\ntimeout_s = 5\n", encoding="utf-8")
    monkeypatch.setenv("AGENT_CONFIG", str(config))
    monkeypatch.setenv("OPENAI_BASE_URL", BASE)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENT_MODEL", "test-model")
    monkeypatch.setenv("AGENT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AGENT_STORE", str(seeded))
    return tmp_path / "cache"


def test_follow_up_cue_detection() -> None:
    assert needs_rewrite_cue(Q2)
    assert not needs_rewrite_cue(Q1)


@respx.mock
def test_chat_json_lines_rewrites_follow_up_and_sources(cli_env: Path) -> None:
    route = respx.post(URL).mock(side_effect=_handler)
    stdin = f"{Q1}\n{Q2}\n/sources\n/bogus\n"
    result = CliRunner().invoke(main, ["chat"], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 4
    first, second, sources, bogus = lines
    assert list(first) == ["question", "standalone_question", "answer", "answerable",
                           "citations", "usage"]
    assert first["standalone_question"] == Q1  # no cue: no rewrite call
    assert second["question"] == Q2 and second["standalone_question"] == REWRITTEN
    assert second["answerable"] and "6月12日" in second["answer"]
    streamed = [json.loads(c.request.content).get("stream") for c in route.calls]
    assert streamed == [None, True, None]  # answer, rewrite, answer
    # usage is what each answer cost (the second includes its rewrite), not the total
    assert first["usage"]["model"] == "test-model"
    assert first["usage"]["calls"] == 1 and second["usage"]["calls"] == 2
    assert sources["command"] == "sources" and sources["question"] == Q2
    cit = sources["citations"][0]
    assert cit["path"].endswith("002_af21a9a31e226004.txt") and cit["quote"].startswith("6月12日")
    assert "error" in bogus
    # saved: one session with two turns
    db = sqlite3.connect(cli_env / "chat.sqlite")
    assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    rows = db.execute("SELECT question, standalone FROM turns ORDER BY id").fetchall()
    assert rows == [(Q1, Q1), (Q2, REWRITTEN)]
    json.loads(db.execute("SELECT answer FROM turns").fetchone()[0])

    # --continue resumes the last session: /sources shows its last answer
    again = CliRunner().invoke(main, ["chat", "--continue"], input="/sources\n/docs\n/exit\n")
    assert again.exit_code == 0, again.output
    resumed = [json.loads(x) for x in again.stdout.splitlines()]
    assert resumed[0]["citations"] == sources["citations"]
    assert len(resumed[1]["documents"]) == 5
    # a fresh session starts empty
    fresh = CliRunner().invoke(main, ["chat"], input="/sources\n")
    assert json.loads(fresh.stdout)["citations"] == []


@respx.mock
def test_chat_reset_clears_context(cli_env: Path) -> None:
    route = respx.post(URL).mock(side_effect=_handler)
    result = CliRunner().invoke(main, ["chat"], input=f"{Q1}\n/reset\n/sources\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert out[1]["command"] == "reset" and out[2]["citations"] == []
    assert route.call_count == 1


@respx.mock
def test_chat_endpoint_failure_is_one_line(cli_env: Path) -> None:
    respx.post(URL).mock(return_value=httpx.Response(500, json={"error": {"message": "x"}}))
    result = CliRunner().invoke(main, ["chat"], input=f"{Q1}\n")
    assert result.exit_code == 4
    assert result.stderr.strip().startswith("error: model test-model")
    assert result.stderr.strip().count("\n") == 0


def test_chat_empty_store(cli_env: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "none"), "chat"], input="x\n")
    assert result.exit_code == 3 and "agent ingest" in result.stderr


def test_run_lines_skips_blank_lines_and_stops_at_exit(seeded: Path, tmp_path: Path) -> None:
    import io

    from agent.qa.chat import ChatSession

    class NoModel:
        def usage(self) -> dict[str, Any]:
            return {}

    settings = load_settings({"store": seeded, "cache_dir": tmp_path})
    session = ChatSession.open(Store(settings), NoModel())
    out = io.StringIO()
    assert run_lines(session, ["\n", "/help\n", "/exit\n", "/docs\n"], out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "/sources" in json.loads(lines[0])["commands"]


# --------------------------------------------------------------------------- pseudo-terminal


class _FakeOpenAI(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ctype, content = fake_model(body)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_chat_in_a_pseudo_terminal(seeded: Path, tmp_path: Path, fake_server: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    config = tmp_path / "agent.toml"
    config.write_text("[agent]\nhttp_retries = 0\ntimeout_s = 10\n", encoding="utf-8")
    env = {**os.environ, "AGENT_CONFIG": str(config), "OPENAI_BASE_URL": fake_server,
           "OPENAI_API_KEY": "sk-test", "AGENT_MODEL": "test-model",
           "AGENT_CACHE_DIR": str(tmp_path / "cache"), "AGENT_STORE": str(seeded),
           "TERM": "xterm", "COLUMNS": "160", "LINES": "40"}
    child = pexpect.spawn(sys.executable, ["-m", "agent", "chat"], env=env, cwd=str(ROOT),
                          encoding="utf-8", timeout=60, dimensions=(40, 160))
    try:
        child.expect("问>")
        child.sendline("/help")
        child.expect("/sources")
        child.expect("问>")
        child.sendline(Q1)
        child.expect("冀南技师学院")
        child.expect(r"\[1\] 002_af21a9a31e226004\.txt")
        child.expect("问>")
        child.sendline(Q2)
        child.expect("→ " + REWRITTEN)
        child.expect("6月12日")
        child.expect("问>")
        child.sendline("/sources")
        child.expect("「6月12日")
        child.expect("问>")
        child.sendcontrol("c")  # Ctrl-C at the prompt: the session goes on
        child.expect("问>")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "cache" / "chat_history").is_file()
