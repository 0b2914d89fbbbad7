"""Helpers every command shares: one error→exit mapping, settings, JSON and console output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=False)


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


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
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def settings_from(ctx: click.Context, **overrides: Any) -> Any:
    from agent.core.config import load_settings

    base = dict(ctx.obj or {})
    base.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(base)


def dump_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
