"""Helpers every command shares: one error→exit mapping, settings, JSON and console output."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=False)


# Library loggers that repeat, line by line, what the project's own ``error:`` line says
# (instructor logs "API call failed on attempt N" at ERROR, so it needs CRITICAL), or
# report on input the project handles itself (trafilatura logs a page without an article
# at ERROR before the lxml fallback reads it; pypdf warns on every odd PDF object).
_LIBRARY_LEVELS = {
    "instructor": logging.CRITICAL,
    "openai": logging.ERROR,
    "httpx": logging.ERROR,
    "httpcore": logging.ERROR,
    "trafilatura": logging.CRITICAL,
    "htmldate": logging.CRITICAL,
    "pypdf": logging.ERROR,
}


class _EchoHandler(logging.Handler):
    """A log record as one ``warning: …`` line on the current stderr (click's, so that
    CliRunner and redirected output see it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(f"{record.levelname.lower()}: {self.format(record)}", err=True)
        except Exception:
            self.handleError(record)


def setup_logging(verbose: int = 0) -> None:
    """Project warnings as ``warning:`` lines; library log lines only with ``-v`` (``-vv``:
    debug). A second call replaces the first one's setup."""
    root, project = logging.getLogger(), logging.getLogger("agent")
    _drop_echo_handlers(root, project)
    level = logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    root.setLevel(level)
    handler = _EchoHandler(level)
    if verbose:
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    (root if verbose else project).addHandler(handler)
    for name, quiet in _LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else quiet)


def _drop_echo_handlers(*loggers: logging.Logger) -> None:
    for logger in loggers:
        for handler in [h for h in logger.handlers if isinstance(h, _EchoHandler)]:
            logger.removeHandler(handler)


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _exit_now_if_workers_wait(code: int) -> None:
    """Exit at once when worker threads are still in a model call: a normal exit joins
    them, and a call to a slow endpoint can keep Ctrl-C waiting for minutes. What they
    would still write is safe to lose: the main thread has already unwound (temporary
    files removed, nothing half-renamed) and the cache and store are SQLite transactions,
    sound after a kill too (tests/test_reliability.py); the embedded server watches its
    parent and stops with it."""
    import os
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def handle_errors(func: F) -> F:
    """Turn expected failures into one line on stderr and a non-zero exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from agent.core.errors import AgentError

        try:
            return func(*args, **kwargs)
        except AgentError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            _exit_now_if_workers_wait(130)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def settings_from(ctx: click.Context, **overrides: Any) -> Any:
    from agent.core.config import load_settings

    base = dict(ctx.obj or {})
    base.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(base)


def dump_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
