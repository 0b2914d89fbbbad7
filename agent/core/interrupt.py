"""Cooperative Ctrl-C.

The CLI's SIGINT handler records the request and raises ``KeyboardInterrupt`` as usual.
Long loops also call :func:`check` between units of work (a file, a window): a
``KeyboardInterrupt`` raised while native code runs (Chroma, numpy) can be lost there, and
worker threads never receive it at all.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_requested = threading.Event()


def request() -> None:
    _requested.set()


def requested() -> bool:
    return _requested.is_set()


def check() -> None:
    if _requested.is_set():
        raise KeyboardInterrupt


def reset() -> None:
    _requested.clear()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _requested.set()
    raise KeyboardInterrupt


def install() -> None:
    """Use the cooperative handler (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
