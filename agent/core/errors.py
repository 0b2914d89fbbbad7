"""Exceptions that the CLI turns into one clear line and a non-zero exit code."""

from __future__ import annotations


def one_line(exc: BaseException, limit: int = 160) -> str:
    """``Type: first line of the message`` — a library's exception inside one ``error:`` or
    ``warning:`` line."""
    text = str(exc).strip()
    first = text.splitlines()[0][:limit] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class AgentError(Exception):
    """Base class: ``str(exc)`` is the one-line message shown to the user."""

    exit_code = 1


class InputError(AgentError):
    """A path or file the user gave cannot be used (missing, empty, binary, too big)."""

    exit_code = 2


class StoreError(AgentError):
    """The document store is unreadable, locked or inconsistent."""

    exit_code = 3


class ModelError(AgentError):
    """The LLM endpoint or embedded model failed after the configured retries."""

    exit_code = 4


class ModelOutputError(ModelError):
    """The model answered, but no attempt gave output of the required shape (invalid or
    cut-off JSON, or JSON that never validated). Unlike a failed endpoint, the next call
    may well succeed, so a batch counts it against its window and goes on."""


class ModelUnavailableError(ModelError):
    """No model is configured and the embedded weights are not installed or corrupt."""

    exit_code = 5
