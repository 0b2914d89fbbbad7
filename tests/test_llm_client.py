from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel, ValidationInfo, field_validator

from agent.core.config import Settings
from agent.core.errors import ModelError
from agent.core.prompts import Prompt
from agent.llm import weights
from agent.llm.client import LLM

BASE = "http://llm.test/v1"
URL = BASE + "/chat/completions"
DOC = "中原经济区技工教育联盟成立大会6月12日在郑州召开。"
PROMPT = Prompt(name="city", version="1", system="Extract the city.", user_template="{{doc}}")


class City(BaseModel):
    city: str

    @field_validator("city")
    @classmethod
    def quoted(cls, value: str, info: ValidationInfo) -> str:
        doc = (info.context or {}).get("doc", "")
        if value not in doc:
            raise ValueError(f"city {value!r} not found in the document")
        return value


def _settings(tmp_path: Path, **over: Any) -> Settings:
    values: dict[str, Any] = {
        "cache_dir": tmp_path,
        "base_url": BASE,
        "api_key": "sk-test",
        "model": "test-model",
        "max_retries": 2,
        "http_retries": 0,
        "timeout_s": 5.0,
    }
    values.update(over)
    return Settings(**values)


def _completion(content: str, pt: int = 20, ct: int = 5) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
    }


def _messages() -> list[dict[str, Any]]:
    return PROMPT.render(doc=DOC)


@respx.mock
def test_reask_with_validation_context(tmp_path: Path) -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(200, json=_completion('{"city": "北京"}')),
            httpx.Response(200, json=_completion('{"city": "郑州"}')),
        ]
    )
    with LLM(_settings(tmp_path), "summarize") as llm:
        result = llm.structured(
            City, _messages(), prompt=PROMPT, max_tokens=50, validation_context={"doc": DOC}
        )
        assert result.city == "郑州"
        assert route.call_count == 2
        second = json.loads(route.calls[1].request.content)
        reask_text = json.dumps(second["messages"], ensure_ascii=False)
        assert "not found in the document" in reask_text
        assert second["response_format"]["type"] == "json_schema"
        assert second["temperature"] == 0.0 and second["max_tokens"] == 50
        assert llm.calls == 1 and llm.attempts == 2
        assert llm.prompt_tokens == 40 and llm.completion_tokens == 10
        rows = llm.cache.usage_totals()
        assert rows[0]["command"] == "summarize" and rows[0]["prompt_tokens"] == 40


@respx.mock
def test_cache_hit_makes_no_http_call(tmp_path: Path) -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(200, json=_completion('{"city":"郑州"}'))
    )
    settings = _settings(tmp_path)
    with LLM(settings, "summarize") as llm:
        first = llm.structured(
            City, _messages(), prompt=PROMPT, max_tokens=50, validation_context={"doc": DOC}
        )
    with LLM(settings, "summarize") as llm2:
        second = llm2.structured(
            City, _messages(), prompt=PROMPT, max_tokens=50, validation_context={"doc": DOC}
        )
        assert llm2.calls == 0 and llm2.cache_hits == 1
        totals = llm2.cache.usage_totals(group_by=("cache_hit",))
        assert {r["cache_hit"]: r["calls"] for r in totals} == {0: 1, 1: 1}
    assert second == first
    assert route.call_count == 1
    # a new prompt version is a different key
    with LLM(settings, "summarize") as llm3:
        bumped = Prompt(PROMPT.name, "2", PROMPT.system, PROMPT.user_template)
        llm3.structured(
            City, _messages(), prompt=bumped, max_tokens=50, validation_context={"doc": DOC}
        )
    assert route.call_count == 2


@respx.mock
def test_cached_value_failing_validators_is_asked_again(tmp_path: Path) -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(200, json=_completion('{"city":"郑州"}')),
            httpx.Response(200, json=_completion('{"city":"郑"}')),
        ]
    )
    with LLM(_settings(tmp_path), "ask") as llm:
        llm.structured(
            City, _messages(), prompt=PROMPT, max_tokens=9, validation_context={"doc": DOC}
        )
        again = llm.structured(
            City, _messages(), prompt=PROMPT, max_tokens=9, validation_context={"doc": "郑"}
        )
    assert again.city == "郑" and route.call_count == 2


@respx.mock
def test_messages_reach_the_model_verbatim(tmp_path: Path) -> None:
    """instructor would render messages as Jinja templates when a context is given."""
    route = respx.post(URL).mock(
        return_value=httpx.Response(200, json=_completion('{"city":"郑州"}'))
    )
    tricky = "  缩进行\n{{ doc }} {% if x %}y{% endif %}\n\n  " + DOC
    messages = [{"role": "user", "content": tricky}]
    with LLM(_settings(tmp_path), "ask") as llm:
        llm.structured(City, messages, prompt=PROMPT, max_tokens=9, validation_context={"doc": DOC})
    sent = json.loads(route.calls[0].request.content)["messages"]
    assert sent[-1]["content"] == tricky


def test_endpoint_down_is_model_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = _settings(tmp_path, base_url=f"http://127.0.0.1:{port}/v1", http_retries=1)
    with LLM(settings, "ask") as llm, pytest.raises(ModelError) as err:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
    msg = str(err.value)
    assert "connection failed" in msg and f"127.0.0.1:{port}" in msg
    assert "after 2 tries" in msg and "\n" not in msg


@respx.mock
def test_invalid_json_forever_is_model_error(tmp_path: Path) -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=_completion("not json {")))
    with LLM(_settings(tmp_path, max_retries=2), "summarize") as llm:
        with pytest.raises(ModelError) as err:
            llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
        assert route.call_count == 3
        assert "no valid City" in str(err.value) and "after 3 tries" in str(err.value)
        rows = llm.cache.usage_totals(group_by=("ok",))
        assert rows == [{**rows[0], "ok": 0, "failures": 1, "calls": 1}]
        assert llm.cache.count() == 0


@respx.mock
def test_timeout_is_model_error(tmp_path: Path) -> None:
    respx.post(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with LLM(_settings(tmp_path, timeout_s=3), "ask") as llm, pytest.raises(ModelError) as err:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
    assert "timed out: no reply within 3s" in str(err.value)


@respx.mock
def test_http_error_is_model_error(tmp_path: Path) -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(500, json={"error": {"message": "boom"}})
    )
    with LLM(_settings(tmp_path, http_retries=1), "ask") as llm, pytest.raises(ModelError) as err:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
    assert "HTTP 500" in str(err.value) and "boom" in str(err.value)
    assert route.call_count == 2


@respx.mock
def test_truncated_output_is_model_error(tmp_path: Path) -> None:
    body = _completion('{"city": "郑')
    body["choices"][0]["finish_reason"] = "length"
    respx.post(URL).mock(return_value=httpx.Response(200, json=body))
    with LLM(_settings(tmp_path), "ask") as llm, pytest.raises(ModelError, match="cut off"):
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=3)


@respx.mock
def test_json_mode(tmp_path: Path) -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(200, json=_completion('{"city":"郑州"}'))
    )
    with LLM(_settings(tmp_path, mode="json"), "ask") as llm:
        out = llm.structured(
            City, _messages(), prompt=PROMPT, max_tokens=9, validation_context={"doc": DOC}
        )
    assert out.city == "郑州"
    assert json.loads(route.calls[0].request.content)["response_format"] == {"type": "json_object"}


@respx.mock
def test_astructured_concurrent(tmp_path: Path) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        city = body["messages"][-1]["content"][-2:]
        return httpx.Response(200, json=_completion(json.dumps({"city": city})))

    route = respx.post(URL).mock(side_effect=reply)
    docs = ["会议在郑州", "会议在洛阳", "会议在开封"]

    async def main() -> list[City]:
        async with LLM(_settings(tmp_path, concurrency=2), "summarize") as llm:
            tasks = [
                llm.astructured(
                    City,
                    [{"role": "user", "content": d}],
                    prompt=PROMPT,
                    max_tokens=9,
                    validation_context={"doc": d},
                )
                for d in docs
            ]
            return list(await asyncio.gather(*tasks))

    results = asyncio.run(main())
    assert [r.city for r in results] == ["郑州", "洛阳", "开封"]
    assert route.call_count == 3


def _sse(chunks: list[str]) -> bytes:
    lines = []
    for i, text in enumerate(chunks):
        delta: dict[str, Any] = {"content": text}
        if i == 0:
            delta["role"] = "assistant"
        event = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "test-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        }
        lines.append("data: " + json.dumps(event, ensure_ascii=False))
    usage = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }
    lines.append("data: " + json.dumps(usage))
    lines.append("data: [DONE]")
    return ("\n\n".join(lines) + "\n\n").encode()


@respx.mock
def test_stream_text_and_cache(tmp_path: Path) -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(
            200, content=_sse(["郑州", "是", "省会"]), headers={"content-type": "text/event-stream"}
        )
    )
    messages = [{"role": "user", "content": "介绍郑州"}]
    with LLM(_settings(tmp_path), "chat") as llm:
        assert list(llm.stream_text(messages, max_tokens=20)) == ["郑州", "是", "省会"]
        assert llm.last_ttft_s is not None
        assert llm.prompt_tokens == 7 and llm.completion_tokens == 3
        assert llm.text(messages, max_tokens=20) == "郑州是省会"
        assert llm.cache_hits == 1
    assert route.call_count == 1
    assert json.loads(route.calls[0].request.content)["stream"] is True


def test_cached_run_never_starts_embedded_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(cache_dir=tmp_path)  # embedded: base_url is None
    assert settings.uses_embedded

    def boom(_: Settings) -> Path:
        raise AssertionError("model must not be started")

    monkeypatch.setattr(weights, "ensure_weights", boom)
    with LLM.from_settings(settings, "summarize") as llm:
        assert llm.concurrency == 1 and llm.server is None
        key = llm._key(_messages(), City.model_json_schema(), llm._request_params(9), PROMPT)
        llm.cache.put(key, '{"city":"郑州"}', kind="json", model=llm.model, prompt=PROMPT.id)
        out = llm.structured(
            City, _messages(), prompt=PROMPT, max_tokens=9, validation_context={"doc": DOC}
        )
        assert out.city == "郑州" and llm.cache_hits == 1 and llm.server is None


def test_missing_weights_is_model_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.core.errors import ModelUnavailableError

    monkeypatch.setattr(weights, "find_part", lambda n: None)
    with LLM.from_settings(Settings(cache_dir=tmp_path), "ask") as llm:
        with pytest.raises(ModelUnavailableError, match="zhijiao-agent\\[model\\]"):
            llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)


@pytest.mark.model
def test_real_embedded_model(tmp_path: Path) -> None:
    if weights.find_part(1) is None:
        pytest.skip("model parts not installed")
    settings = Settings(cache_dir=tmp_path, threads=2, n_ctx=2048)
    messages = [
        {"role": "system", "content": "从文档中抽取会议举办城市，输出 JSON。"},
        {"role": "user", "content": DOC},
    ]
    with LLM.from_settings(settings, "test") as llm:
        out = llm.structured(
            City, messages, prompt=PROMPT, max_tokens=30, validation_context={"doc": DOC}
        )
        assert out.city in DOC
        assert llm.server is not None and llm.calls == 1
        server = llm.server
    assert not server.running


def test_embedded_child_failure_is_model_error(tmp_path: Path) -> None:
    from agent.llm.embedded import EmbeddedServer

    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    server = EmbeddedServer(bogus, log_dir=tmp_path / "logs", threads=1, startup_timeout_s=60)
    with pytest.raises(ModelError) as err:
        server.start()
    msg = str(err.value)
    assert "exited during startup" in msg and "embedded-server.log" in msg
    assert not server.running


# ------------------------------------------------------------------ misbehaving endpoints


@respx.mock
@pytest.mark.parametrize("status", [200, 502])
def test_html_reply_says_what_came_back(tmp_path: Path, status: int) -> None:
    page = "<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body>nginx</body>"
    respx.post(URL).mock(return_value=httpx.Response(status, html=page))
    with LLM(_settings(tmp_path), "ask") as llm, pytest.raises(ModelError) as err:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
    msg = str(err.value)
    assert f"did not answer JSON (HTTP {status}, text/html, body starts '<!DOCTYPE html>" in msg
    assert "No choices" not in msg and "\n" not in msg


@respx.mock
def test_json_of_another_shape_is_one_line_output_error(tmp_path: Path) -> None:
    from agent.core.errors import ModelOutputError

    respx.post(URL).mock(return_value=httpx.Response(200, json=_completion('{"town": "郑州"}')))
    with LLM(_settings(tmp_path), "ask") as llm, pytest.raises(ModelOutputError) as err:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
    msg = str(err.value)
    assert "no valid City: city: Field required" in msg and "after 3 tries" in msg
    assert "\n" not in msg and "errors.pydantic.dev" not in msg


@respx.mock
def test_read_timeout_scales_with_tokens_asked_for(tmp_path: Path) -> None:
    from agent.llm import client as client_module

    reply = httpx.Response(200, json=_completion('{"city": "郑州"}'))
    route = respx.post(URL).mock(return_value=reply)
    settings = _settings(tmp_path, timeout_s=None)
    with LLM(settings, "ask") as llm:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=400,
                       validation_context={"doc": DOC})
    limits = route.calls[0].request.extensions["timeout"]
    base, per_token = client_module.ENDPOINT_TIMEOUT
    assert limits["read"] == pytest.approx(base + 400 * per_token)
    assert limits["connect"] == client_module.CONNECT_TIMEOUT_S
    # a configured timeout_s is used as given
    route.reset()
    with LLM(_settings(tmp_path / "b", timeout_s=7), "ask") as llm:
        llm.structured(City, _messages(), prompt=PROMPT, max_tokens=400,
                       validation_context={"doc": DOC})
    assert route.calls[0].request.extensions["timeout"]["read"] == 7


def test_hung_endpoint_is_given_up_on_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An endpoint that accepts the connection and never answers: one notice while waiting,
    then one error line, within the scaled bound (not 3 × 300 s)."""
    import threading
    import time

    from agent.llm import client as client_module

    monkeypatch.setattr(client_module, "ENDPOINT_TIMEOUT", (1.0, 0.0))
    monkeypatch.setattr(client_module, "WAIT_NOTICE_S", 0.3)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept_and_hold() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept_and_hold, daemon=True).start()
    port = server.getsockname()[1]
    settings = _settings(tmp_path, base_url=f"http://127.0.0.1:{port}/v1", timeout_s=None,
                         http_retries=1)
    t0 = time.monotonic()
    try:
        with (caplog.at_level("WARNING", logger="agent"), LLM(settings, "ask") as llm,
              pytest.raises(ModelError) as err):
            llm.structured(City, _messages(), prompt=PROMPT, max_tokens=9)
    finally:
        server.close()
        for conn in held:
            conn.close()
    elapsed = time.monotonic() - t0
    assert "no reply within 1s (after 2 tries)" in str(err.value)
    assert elapsed < 10
    notices = [r.getMessage() for r in caplog.records if "still waiting" in r.getMessage()]
    assert len(notices) == 1 and "gives up after 2s" in notices[0]
