"""One LLM client for every model: openai SDK + instructor, cached in SQLite.

* Embedded model (``settings.base_url is None``): the GGUF from :mod:`agent.llm.weights`
  served by :class:`agent.llm.embedded.EmbeddedServer`, started lazily on the first cache
  miss, so fully cached runs never load the model.
* Any OpenAI-compatible endpoint otherwise (``base_url``/``api_key``/``model``).

Structured calls go through ``instructor`` (mode from ``settings.mode``) so a validator
that raises (e.g. an evidence quote not found in the document, checked against the
``validation_context``) is fed back to the model (re-ask) up to ``settings.max_retries``
times. Every failure surfaces as one :class:`~agent.core.errors.ModelError` line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

import httpx
import instructor
import openai
from instructor.core import (
    Hooks,
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
)
from pydantic import BaseModel, ValidationError

from agent.core.config import Settings
from agent.core.errors import ModelError, ModelOutputError
from agent.core.prompts import Prompt
from agent.llm.cache import CallRecord, LLMCache, cache_key, canonical_json, cost_usd
from agent.llm.embedded import DEFAULT_SEED, EmbeddedServer

T = TypeVar("T", bound=BaseModel)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
#: Without a configured ``timeout_s``, one try may take this long plus the time to write
#: ``max_tokens`` at the rate below: a served model writes well above 4 tokens/s, the
#: embedded one on a busy 2-core machine can fall to about 0.5 (issue 16's measurements).
ENDPOINT_TIMEOUT = (30.0, 1 / 4)
EMBEDDED_TIMEOUT = (120.0, 2.0)
#: A call to an endpoint that has sent nothing for this long says so once on stderr.
WAIT_NOTICE_S = 15.0

MODES: dict[str, instructor.Mode] = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "tools": instructor.Mode.TOOLS,
    "md_json": instructor.Mode.MD_JSON,
}


def _disable_instructor_templating() -> None:
    """instructor renders every message as a Jinja template (and dedents it) whenever a
    validation context is passed. Our messages carry untrusted document text that must
    reach the model verbatim, so make that step a no-op (tested in test_llm_client)."""
    try:
        from instructor.v2.core import patch as instructor_patch
    except ImportError:  # pragma: no cover - other instructor layouts
        return
    current = getattr(instructor_patch, "handle_templating", None)
    if current is None or getattr(current, "_agent_noop", False):
        return

    def no_templating(kwargs: dict[str, Any], *args: Any, **kw: Any) -> dict[str, Any]:
        return kwargs

    no_templating._agent_noop = True  # type: ignore[attr-defined]
    instructor_patch.handle_templating = no_templating


_disable_instructor_templating()


@dataclass
class _Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False


def _usage_from(obj: Any) -> _Usage | None:
    if obj is None:
        return None
    pt = getattr(obj, "prompt_tokens", None)
    ct = getattr(obj, "completion_tokens", None)
    if isinstance(pt, int) and isinstance(ct, int):
        return _Usage(pt, ct)
    return None


def _estimate_usage(messages: list[dict[str, Any]], output: str) -> _Usage:
    from agent.core.tokens import count_message_tokens, count_tokens

    return _Usage(count_message_tokens(messages), count_tokens(output), estimated=True)


def _first_line(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _validation_summary(cause: BaseException, limit: int = 3) -> str:
    """Pydantic's multi-line report as one line: ``field: message`` for the first errors."""
    if not isinstance(cause, ValidationError):
        return _first_line(str(cause))
    errors = cause.errors()
    parts = []
    for err in errors[:limit]:
        where = ".".join(str(x) for x in err.get("loc", ())) or "answer"
        parts.append(f"{where}: {_first_line(str(err.get('msg', '')), 120)}")
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def _api_reply(response: httpx.Response) -> bool:
    """Whether a response is what an OpenAI-compatible API sends: JSON or an event stream."""
    kind = response.headers.get("content-type", "")
    return "json" in kind or "event-stream" in kind


def _root_cause(exc: BaseException) -> BaseException:
    """Unwrap instructor's retry/wrapper exceptions down to what actually went wrong."""
    cur = exc
    for _ in range(10):
        if not isinstance(cur, InstructorError) or isinstance(cur, IncompleteOutputException):
            break
        nxt = cur.__cause__ or cur.__context__
        if nxt is None:
            break
        cur = nxt
    return cur


class _Attempts:
    """Per-call instructor hooks: usage of every raw completion (first try and re-asks).

    Snapshotted when the response arrives: instructor later rewrites ``response.usage``
    into a running total across attempts.
    """

    def __init__(self) -> None:
        self.usages: list[_Usage | None] = []
        self.hooks = Hooks()
        self.hooks.on("completion:response", self._on_response)
        self.hooks.on("parse:error", self._on_parse_error)

    @staticmethod
    def _on_parse_error(error: Exception) -> None:
        # Each re-ask costs a full model call: say why, for `-v` and for tuning validators
        # (the last rejected answer has no re-ask after it).
        log.info("answer rejected: %s", _validation_summary(error))

    def _on_response(self, response: Any) -> None:
        self.usages.append(_usage_from(getattr(response, "usage", None)))

    @property
    def count(self) -> int:
        return len(self.usages)

    def usage(self) -> _Usage | None:
        if not self.usages or any(u is None for u in self.usages):
            return None
        return _Usage(
            sum(u.prompt_tokens for u in self.usages if u),
            sum(u.completion_tokens for u in self.usages if u),
        )


#: Numeric counters of :meth:`LLM.usage` (``model`` is the one non-numeric key).
USAGE_COUNTERS = ("calls", "cache_hits", "attempts", "prompt_tokens", "completion_tokens",
                  "latency_s", "cost_usd")


def usage_delta(after: dict[str, Any], before: dict[str, Any] | None = None) -> dict[str, float]:
    """Numeric usage counters of ``after`` minus ``before`` (``llm.usage()`` dicts): what
    one answer or one eval suite cost, out of an LLM's running totals."""
    out: dict[str, float] = {}
    for key in USAGE_COUNTERS:
        value = after.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        prev = (before or {}).get(key)
        base = float(prev) if isinstance(prev, int | float) and not isinstance(prev, bool) else 0.0
        out[key] = round(float(value) - base, 6)
    return out


class LLM:
    """Cached structured / streamed chat calls against the configured model.

    Counters (for the ``usage`` block of JSON outputs): ``calls`` (model calls made),
    ``cache_hits``, ``prompt_tokens``, ``completion_tokens``, ``attempts`` (HTTP requests
    including re-asks), ``latency_s``.
    """

    def __init__(
        self,
        settings: Settings,
        command: str,
        *,
        cache: LLMCache | None = None,
    ) -> None:
        if settings.mode not in MODES:
            raise ModelError(f"unknown LLM mode {settings.mode!r}; choose from {', '.join(MODES)}")
        self.settings = settings
        self.command = command
        self.model = settings.model_name
        self.mode = MODES[settings.mode]
        self.embedded = settings.uses_embedded
        self.cache = cache if cache is not None else LLMCache.for_cache_dir(settings.cache_dir)
        self._own_cache = cache is None
        self.server: EmbeddedServer | None = None
        self._base_url: str | None = None if self.embedded else settings.base_url
        self._lock = threading.Lock()
        self._client: instructor.Instructor | None = None
        self._aclient: instructor.AsyncInstructor | None = None
        self._http: httpx.Client | None = None
        self._ahttp: httpx.AsyncClient | None = None
        self._raw: openai.OpenAI | None = None
        self._araw: openai.AsyncOpenAI | None = None
        # Requests in flight from threads, at most ``concurrency`` (cache hits need none).
        self._inflight = threading.BoundedSemaphore(self.concurrency)
        self._sem: asyncio.Semaphore | None = None
        self._sem_loop: asyncio.AbstractEventLoop | None = None
        self.calls = 0
        self.cache_hits = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.attempts = 0
        self.latency_s = 0.0
        self.last_ttft_s: float | None = None
        self._odd_reply: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, command: str) -> LLM:
        """Nothing is started here; the embedded model starts on the first cache miss."""
        return cls(settings, command)

    # ------------------------------------------------------------------ plumbing

    @property
    def concurrency(self) -> int:
        return 1 if self.embedded else max(1, self.settings.concurrency)

    @property
    def endpoint(self) -> str:
        if self.embedded:
            where = self._base_url or "not started"
            return f"embedded model ({where})"
        return str(self.settings.base_url)

    def _request_params(self, max_tokens: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "temperature": self.settings.temperature,
            "max_tokens": max_tokens,
        }
        if self.embedded:
            params["seed"] = DEFAULT_SEED
        return params

    def _ensure_base_url(self) -> str:
        with self._lock:
            if self._base_url is not None:
                return self._base_url
            from agent.llm.cpu import auto_threads
            from agent.llm.weights import ensure_weights

            gguf = ensure_weights(self.settings)
            server = EmbeddedServer(
                gguf,
                log_dir=Path(self.settings.cache_dir).expanduser() / "logs",
                n_ctx=self.settings.n_ctx,
                threads=self.settings.threads or auto_threads(),
            )
            self._base_url = server.start()
            self.server = server
            return self._base_url

    def _openai_kwargs(self) -> dict[str, Any]:
        api_key = self.settings.api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        return {
            "base_url": self._ensure_base_url(),
            "api_key": "not-needed" if self.embedded else api_key,
            "timeout": self._timeout(None),
            "max_retries": self.settings.http_retries,
        }

    def _http_options(self) -> dict[str, Any]:
        # The project's own httpx (not the SDK's default stack): one HTTP library for the
        # whole project, mockable with respx. Loopback embedded server: ignore proxy vars.
        return {
            "timeout": self._timeout(None),
            "limits": httpx.Limits(max_connections=max(4, self.concurrency * 2)),
            "trust_env": not self.embedded,
        }

    def _timeout(self, max_tokens: int | None) -> httpx.Timeout:
        """One HTTP try's limits: ``timeout_s`` when configured, else scaled to the tokens
        asked for (a hung endpoint is given up on in minutes, not 3 × 300 s); connecting
        is always short."""
        seconds = self.settings.timeout_s
        if seconds is None:
            base, per_token = EMBEDDED_TIMEOUT if self.embedded else ENDPOINT_TIMEOUT
            seconds = base + per_token * (max_tokens if max_tokens is not None else 2048)
        return httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds))

    def _note_response(self, response: httpx.Response) -> None:
        """Remember a reply that is not JSON (an HTML error page from a proxy, a login
        page; its body already read): the SDK and instructor would only say "no
        choices"."""
        if _api_reply(response):
            self._odd_reply = None
            return
        kind = response.headers.get("content-type", "").split(";")[0]
        head = response.content[:80].decode("utf-8", "replace")
        self._odd_reply = (f"the endpoint did not answer JSON (HTTP {response.status_code}, "
                           f"{kind or 'no content type'}, body starts "
                           f"{_first_line(head, 60)!r})")

    def _sync_note(self, response: httpx.Response) -> None:
        if not _api_reply(response):
            response.read()
        self._note_response(response)

    async def _anote_response(self, response: httpx.Response) -> None:
        if not _api_reply(response):
            await response.aread()
        self._note_response(response)

    def _sync(self) -> instructor.Instructor:
        if self._client is None:
            kwargs = self._openai_kwargs()
            self._http = httpx.Client(**self._http_options(),
                                      event_hooks={"response": [self._sync_note]})
            self._raw = openai.OpenAI(**kwargs, http_client=cast(Any, self._http))
            self._client = instructor.from_openai(self._raw, mode=self.mode)
        return self._client

    def _raw_sync(self) -> openai.OpenAI:
        self._sync()
        assert self._raw is not None
        return self._raw

    async def _async(self) -> instructor.AsyncInstructor:
        if self._aclient is None:
            kwargs = await asyncio.to_thread(self._openai_kwargs)
            self._ahttp = httpx.AsyncClient(**self._http_options(),
                                            event_hooks={"response": [self._anote_response]})
            self._araw = openai.AsyncOpenAI(**kwargs, http_client=cast(Any, self._ahttp))
            self._aclient = instructor.from_openai(self._araw, mode=self.mode)
        return self._aclient

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._sem is None or self._sem_loop is not loop:
            self._sem = asyncio.Semaphore(self.concurrency)
            self._sem_loop = loop
        return self._sem

    def _key(
        self,
        messages: list[dict[str, Any]],
        schema: dict[str, Any] | None,
        params: dict[str, Any],
        prompt: Prompt | None,
    ) -> str:
        return cache_key(
            model=self.model,
            messages=messages,
            schema=schema,
            params={**params, "mode": self.settings.mode if schema is not None else "text"},
            prompt_name=prompt.name if prompt else None,
            prompt_version=prompt.version if prompt else None,
        )

    def _record(
        self,
        prompt: Prompt | None,
        *,
        usage: _Usage | None = None,
        latency_s: float = 0.0,
        cache_hit: bool = False,
        attempts: int = 1,
        ok: bool = True,
    ) -> None:
        u = usage or _Usage()
        if cache_hit:
            self.cache_hits += 1
        else:
            self.calls += 1
            self.attempts += attempts
            self.prompt_tokens += u.prompt_tokens
            self.completion_tokens += u.completion_tokens
            self.latency_s += latency_s
        self.cache.record(
            CallRecord(
                command=self.command,
                model=self.model,
                prompt_name=prompt.name if prompt else None,
                prompt_version=prompt.version if prompt else None,
                prompt_tokens=u.prompt_tokens,
                completion_tokens=u.completion_tokens,
                latency_s=latency_s,
                cost_usd=None
                if cache_hit
                else cost_usd(
                    self.settings.prices, self.model, u.prompt_tokens, u.completion_tokens
                ),
                cache_hit=cache_hit,
                attempts=attempts,
                ok=ok,
            )
        )

    def _cached(
        self, key: str, response_model: type[T], validation_context: dict[str, Any] | None
    ) -> T | None:
        value = self.cache.get(key)
        if value is None:
            return None
        try:
            return response_model.model_validate_json(value, context=validation_context)
        except ValidationError:
            self.cache.delete(key)  # validators changed since it was stored: ask again
            return None

    def _error(self, exc: BaseException, response_model: type[BaseModel] | None,
               timeout: httpx.Timeout) -> ModelError:
        cause = _root_cause(exc)
        n = getattr(exc, "n_attempts", None)
        http_tries = self.settings.http_retries + 1
        error: type[ModelError] = ModelError
        if self._odd_reply is not None:
            what = self._odd_reply
            tries = n or 1
        elif isinstance(cause, openai.APITimeoutError):
            what = f"timed out: no reply within {timeout.read:g}s"
            tries = http_tries
        elif isinstance(cause, openai.APIConnectionError):
            inner = cause.__cause__ or cause.__context__
            what = f"connection failed ({_first_line(str(inner or cause), 120)})"
            tries = http_tries
        elif isinstance(cause, openai.APIStatusError):
            what = f"HTTP {cause.status_code}: {_first_line(cause.message, 160)}"
            tries = http_tries if cause.status_code >= 500 or cause.status_code == 429 else 1
        elif isinstance(cause, IncompleteOutputException):
            what = "output was cut off at max_tokens (raise it or shorten the input)"
            tries = n or 1
            error = ModelOutputError
        elif isinstance(cause, ValidationError | ValueError) or isinstance(
            exc, InstructorRetryException
        ):
            name = response_model.__name__ if response_model else "output"
            what = f"no valid {name}: {_validation_summary(cause)}"
            tries = n or self.settings.max_retries + 1
            error = ModelOutputError
        else:
            what = f"{type(cause).__name__}: {_first_line(str(cause))}"
            tries = n or 1
        plural = "try" if tries == 1 else "tries"
        return error(f"model {self.model} at {self.endpoint}: {what} (after {tries} {plural})")

    # ------------------------------------------------------------------ structured

    def _lookup(
        self,
        response_model: type[T],
        messages: list[dict[str, Any]],
        prompt: Prompt,
        max_tokens: int,
        validation_context: dict[str, Any] | None,
    ) -> tuple[str, dict[str, Any], T | None]:
        """Request parameters, cache key, and the cached result (recorded as a hit)."""
        params = self._request_params(max_tokens)
        key = self._key(messages, response_model.model_json_schema(), params, prompt)
        hit = self._cached(key, response_model, validation_context)
        if hit is not None:
            self._record(prompt, cache_hit=True)
        return key, params, hit

    def _create_args(
        self,
        response_model: type[BaseModel],
        messages: list[dict[str, Any]],
        validation_context: dict[str, Any] | None,
        tries: _Attempts,
        params: dict[str, Any],
    ) -> dict[str, Any]:
        """Arguments of instructor's ``create_with_completion`` (sync and async alike)."""
        return {
            "response_model": response_model,
            "messages": messages,
            "max_retries": self.settings.max_retries,
            "context": validation_context,
            "hooks": tries.hooks,
            "model": self.model,
            "timeout": self._timeout(params["max_tokens"]),
            **params,
        }

    def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, Any]],
        *,
        prompt: Prompt,
        max_tokens: int,
        validation_context: dict[str, Any] | None = None,
    ) -> T:
        """Validated ``response_model`` for ``messages``; SQLite cache first."""
        key, params, hit = self._lookup(response_model, messages, prompt, max_tokens,
                                        validation_context)
        if hit is not None:
            return hit
        with self._inflight:
            t0 = time.monotonic()
            tries = _Attempts()
            with self._failures_recorded(prompt, response_model, tries, t0, max_tokens):
                client = self._sync()
                result, completion = client.chat.completions.create_with_completion(
                    **self._create_args(response_model, messages, validation_context, tries,
                                        params)
                )
        return self._finish(key, prompt, response_model, validation_context, result,
                            completion, tries, messages, time.monotonic() - t0)

    async def astructured(
        self,
        response_model: type[T],
        messages: list[dict[str, Any]],
        *,
        prompt: Prompt,
        max_tokens: int,
        validation_context: dict[str, Any] | None = None,
    ) -> T:
        """Async :meth:`structured`; at most ``concurrency`` requests in flight."""
        key, params, hit = self._lookup(response_model, messages, prompt, max_tokens,
                                        validation_context)
        if hit is not None:
            return hit
        async with self._semaphore():
            t0 = time.monotonic()
            tries = _Attempts()
            with self._failures_recorded(prompt, response_model, tries, t0, max_tokens):
                client = await self._async()
                result, completion = await client.chat.completions.create_with_completion(
                    **self._create_args(response_model, messages, validation_context, tries,
                                        params)
                )
        return self._finish(key, prompt, response_model, validation_context, result,
                            completion, tries, messages, time.monotonic() - t0)

    @contextlib.contextmanager
    def _failures_recorded(self, prompt: Prompt | None, response_model: type[BaseModel] | None,
                           tries: _Attempts | None, t0: float,
                           max_tokens: int) -> Iterator[Callable[[], None]]:
        """Log a failed call and raise it as a :class:`ModelError` (the one error path of
        the sync, async and streamed calls); say so once while an endpoint is silent.
        Yields the function a stream calls when its first text arrives."""
        timeout = self._timeout(max_tokens)
        with self._wait_notice(timeout) as replied:
            try:
                yield replied
            except ModelError:
                raise
            except Exception as exc:
                attempts = (tries.count if tries else 0) or getattr(exc, "n_attempts", None) or 1
                self._record(prompt, usage=tries.usage() if tries else None,
                             latency_s=time.monotonic() - t0, attempts=attempts, ok=False)
                raise self._error(exc, response_model, timeout) from exc

    @contextlib.contextmanager
    def _wait_notice(self, timeout: httpx.Timeout) -> Iterator[Callable[[], None]]:
        """One ``warning:`` line when an endpoint has not answered within
        :data:`WAIT_NOTICE_S`, with how long the call may still take. The embedded model is
        not announced: its calls are routinely slower than that and show progress."""
        if self.embedded or timeout.read is None or timeout.read <= WAIT_NOTICE_S:
            yield lambda: None
            return
        bound = timeout.read * (self.settings.http_retries + 1)
        timer = threading.Timer(WAIT_NOTICE_S, log.warning, args=(
            "still waiting for %s at %s: no reply after %gs (gives up after %gs)",
            self.model, self.endpoint, WAIT_NOTICE_S, bound))
        timer.daemon = True
        timer.start()
        try:
            yield timer.cancel
        finally:
            timer.cancel()

    def _finish(
        self,
        key: str,
        prompt: Prompt,
        response_model: type[T],
        validation_context: dict[str, Any] | None,
        result: T,
        completion: Any,
        tries: _Attempts,
        messages: list[dict[str, Any]],
        latency: float,
    ) -> T:
        # instructor returns an instance of its own subclass of response_model carrying the
        # raw completion; hand back a plain response_model built exactly like a cache hit,
        # so fresh and cached results are interchangeable (==, type, pickling).
        value = result.model_dump_json()
        try:
            clean = response_model.model_validate_json(value, context=validation_context)
        except ValidationError:  # validators that do not accept their own output
            clean = result
            for attr in [k for k in vars(result) if k.startswith("_")]:
                vars(result).pop(attr, None)
        usage = tries.usage() or _usage_from(getattr(completion, "usage", None))
        if usage is None:
            usage = _estimate_usage(messages, value)
        attempts = max(1, tries.count)
        self.cache.put(key, value, kind="json", model=self.model, prompt=prompt.id)
        self._record(prompt, usage=usage, latency_s=latency, attempts=attempts)
        return clean

    # ------------------------------------------------------------------ text

    def stream_text(
        self,
        messages: list[dict[str, Any]],
        *,
        prompt: Prompt | None = None,
        max_tokens: int = 512,
    ) -> Iterator[str]:
        """Plain text, streamed as it is generated (a cache hit yields it in one piece).

        ``last_ttft_s`` holds the time to the first text chunk. The full text is cached
        only when the stream completes.
        """
        params = self._request_params(max_tokens)
        key = self._key(messages, None, params, prompt)
        t0 = time.monotonic()
        cached = self.cache.get(key)
        if cached is not None:
            self.last_ttft_s = time.monotonic() - t0
            self._record(prompt, cache_hit=True)
            yield cached
            return
        parts: list[str] = []
        usage: _Usage | None = None
        self.last_ttft_s = None
        with self._failures_recorded(prompt, None, None, t0, max_tokens) as replied:
            create: Any = self._raw_sync().chat.completions.create
            stream = create(
                model=self.model,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
                timeout=self._timeout(max_tokens),
                **params,
            )
            for chunk in stream:
                usage = _usage_from(getattr(chunk, "usage", None)) or usage
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta.content
                if delta:
                    if self.last_ttft_s is None:
                        self.last_ttft_s = time.monotonic() - t0
                        replied()
                    parts.append(delta)
                    yield delta
        text = "".join(parts)
        self.cache.put(
            key, text, kind="text", model=self.model, prompt=prompt.id if prompt else None
        )
        self._record(
            prompt, usage=usage or _estimate_usage(messages, text), latency_s=time.monotonic() - t0
        )

    def text(
        self, messages: list[dict[str, Any]], *, prompt: Prompt | None = None, max_tokens: int = 512
    ) -> str:
        """The whole :meth:`stream_text` result as one string."""
        return "".join(self.stream_text(messages, prompt=prompt, max_tokens=max_tokens))

    async def astream_text(
        self,
        messages: list[dict[str, Any]],
        *,
        prompt: Prompt | None = None,
        max_tokens: int = 512,
    ) -> AsyncIterator[str]:
        """Async variant of :meth:`stream_text` (runs the sync stream in a thread)."""
        it = self.stream_text(messages, prompt=prompt, max_tokens=max_tokens)
        sentinel = object()
        while True:
            chunk = await asyncio.to_thread(next, it, sentinel)
            if chunk is sentinel:
                return
            assert isinstance(chunk, str)
            yield chunk

    # ------------------------------------------------------------------ lifecycle

    def usage(self) -> dict[str, Any]:
        """The ``usage`` block of JSON outputs."""
        cost = cost_usd(
            self.settings.prices, self.model, self.prompt_tokens, self.completion_tokens
        )
        return {
            "model": self.model,
            "calls": self.calls,
            "cache_hits": self.cache_hits,
            "attempts": self.attempts,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_s": round(self.latency_s, 3),
            "cost_usd": None if cost is None else round(cost, 6),
        }

    def close(self) -> None:
        """Stop the embedded server (if started) and release the HTTP client."""
        if self._raw is not None:
            self._raw.close()
        if self._http is not None:
            self._http.close()
        self._raw = self._client = self._http = None
        self._aclient = self._araw = self._ahttp = None
        if self.server is not None:
            self.server.stop()
            self.server = None
            self._base_url = None
        if self._own_cache:
            self.cache.close()
            self._own_cache = False

    async def aclose(self) -> None:
        if self._araw is not None:
            await self._araw.close()
        if self._ahttp is not None:
            await self._ahttp.aclose()
        self.close()

    def __enter__(self) -> LLM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> LLM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


__all__ = ["LLM", "MODES", "canonical_json"]
