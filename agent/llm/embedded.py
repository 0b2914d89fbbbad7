"""The embedded model: llama.cpp's OpenAI-compatible server (xllamacpp) in a child process.

The parent runs ``python -m agent.llm.embedded --model PATH --ctx N --threads N``; the
child starts the server, prints one line ``AGENT_LLM_LISTENING <address>`` on its stdout
when ready and then waits. Everything llama.cpp writes to the C-level stdout/stderr goes
to a log file under ``<cache_dir>/logs`` so the CLI output stays clean.

The child exits when told (SIGTERM), ignores Ctrl-C (the parent decides), and also exits
when its stdin reaches EOF, i.e. when the parent died without cleaning up.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import TextIO

import httpx

from agent.core.errors import ModelError

READY_PREFIX = "AGENT_LLM_LISTENING "
DEFAULT_SEED = 42
DEFAULT_POLL = 50
"""llama.cpp's busy-wait level (0-100) of its worker threads; its own default."""
LOG_NAME = "embedded-server.log"
LOG_MAX_BYTES = 8 << 20

_live: weakref.WeakSet[EmbeddedServer] = weakref.WeakSet()


def _stop_all() -> None:
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.stop()


atexit.register(_stop_all)


class EmbeddedServer:
    """Context manager owning the child process that serves one GGUF model.

    ``with EmbeddedServer(path, log_dir=...) as srv: OpenAI(base_url=srv.base_url)``.
    """

    def __init__(
        self,
        model: Path,
        *,
        log_dir: Path,
        n_ctx: int = 8192,
        threads: int = 2,
        threads_batch: int | None = None,
        poll: int = DEFAULT_POLL,
        seed: int = DEFAULT_SEED,
        startup_timeout_s: float = 180.0,
        python: str | None = None,
    ) -> None:
        self.model = Path(model)
        self.log_dir = Path(log_dir)
        self.log_path = self.log_dir / LOG_NAME
        self.n_ctx = n_ctx
        self.threads = max(1, threads)
        self.threads_batch = max(1, threads_batch or self.threads)
        self.poll = poll
        self.seed = seed
        self.startup_timeout_s = startup_timeout_s
        self.python = python or sys.executable
        self.address: str | None = None
        self.startup_s: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL (``http://127.0.0.1:PORT/v1``)."""
        if self.address is None:
            raise ModelError("embedded model server is not running")
        return self.address.rstrip("/") + "/v1"

    def command(self) -> list[str]:
        return [
            self.python,
            "-m",
            "agent.llm.embedded",
            "--model",
            str(self.model),
            "--ctx",
            str(self.n_ctx),
            "--threads",
            str(self.threads),
            "--threads-batch",
            str(self.threads_batch),
            "--poll",
            str(self.poll),
            "--seed",
            str(self.seed),
        ]

    def start(self) -> str:
        """Start the child and wait until it serves; returns the base URL."""
        if self.running:
            return self.base_url
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_machine_lock()
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > LOG_MAX_BYTES:  # keep one old log
                os.replace(self.log_path, self.log_path.with_name(LOG_NAME + ".1"))
        t0 = time.monotonic()
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start {self.model}\n".encode())
            log.flush()
            env = dict(os.environ)
            env["PYTHONUNBUFFERED"] = "1"
            package_root = str(Path(__file__).resolve().parent.parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (package_root, env.get("PYTHONPATH")) if p
            )
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                close_fds=True,
            )
        _live.add(self)
        try:
            self.address = self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.monotonic() - t0
        return self.base_url

    def _wait_ready(self, t0: float) -> str:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        stdout = proc.stdout

        def reader() -> None:
            for raw in stdout:
                lines.put(raw.decode("utf-8", "replace").strip())
            lines.put(None)

        threading.Thread(target=reader, name="embedded-ready", daemon=True).start()
        deadline = t0 + self.startup_timeout_s
        address: str | None = None
        while address is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModelError(
                    f"embedded model server did not start within {self.startup_timeout_s:.0f}s"
                    f"{self._log_hint()}"
                )
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if proc.poll() is not None:
                    raise ModelError(self._died_message()) from None
                continue
            if line is None:
                proc.wait(timeout=5)
                raise ModelError(self._died_message())
            if line.startswith(READY_PREFIX):
                address = line[len(READY_PREFIX) :].strip()
        # The address is printed once the model is loaded; confirm over HTTP.
        with httpx.Client(timeout=2.0) as http:
            while True:
                try:
                    if http.get(address.rstrip("/") + "/health").status_code == 200:
                        return address
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None:
                    raise ModelError(self._died_message())
                if time.monotonic() > deadline:
                    raise ModelError(
                        f"embedded model server at {address} not healthy within "
                        f"{self.startup_timeout_s:.0f}s{self._log_hint()}"
                    )
                time.sleep(0.1)

    def _died_message(self) -> str:
        code = self._proc.returncode if self._proc else None
        return f"embedded model server exited during startup (code {code}){self._log_hint()}"

    def tail_log(self, n: int = 5) -> list[str]:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(self._log_offset)
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return []
        return [ln.strip() for ln in text.splitlines() if ln.strip()][-n:]

    def _log_hint(self) -> str:
        tail = self.tail_log(3)
        last = " | ".join(tail) if tail else "no log output"
        return f"; log {self.log_path}: {last}"

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM the child, SIGKILL it after ``grace_s``; idempotent."""
        proc, self._proc = self._proc, None
        self.address = None
        _live.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=grace_s)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._release_machine_lock()

    def _acquire_machine_lock(self) -> None:
        """One embedded server per machine: two on a small CPU starve each other (measured:
        generation fell from ~15 to ~0.4 tok/s), so a second process waits its turn."""
        import fcntl
        import tempfile

        lock_path = Path(tempfile.gettempdir()) / f"zhijiao-agent-embedded-{os.getuid()}.lock"
        self._lock_file: TextIO | None = lock_path.open("a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another process using the embedded model…", file=sys.stderr)
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)

    def _release_machine_lock(self) -> None:
        lock = getattr(self, "_lock_file", None)
        if lock is not None:
            self._lock_file = None
            with contextlib.suppress(OSError):
                lock.close()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# ---------------------------------------------------------------------- child process


def _serve(model: str, n_ctx: int, threads: int, threads_batch: int, poll: int,
           seed: int) -> None:  # pragma: no cover
    # Private copy of the real stdout for the ready line; C-level stdout -> log (stderr).
    ready = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    def watch_parent() -> None:
        with contextlib.suppress(OSError):
            while os.read(0, 4096):
                pass
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()

    import xllamacpp as xl

    params = xl.CommonParams()
    params.model.path = model
    params.n_ctx = n_ctx
    params.n_parallel = 1  # one slot: requests queue, the cached prompt prefix is reused
    params.cache_prompt = True
    params.port = 0
    params.hostnames = ["127.0.0.1"]
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads_batch
    params.cpuparams.poll = poll
    params.cpuparams_batch.poll = poll
    params.sampling.seed = seed
    params.sampling.temp = 0.0
    server = xl.Server(params)
    print(READY_PREFIX + server.listening_address, file=ready, flush=True)
    while True:
        signal.pause()


def main(argv: list[str] | None = None) -> None:  # pragma: no cover
    parser = argparse.ArgumentParser(description="serve a GGUF with llama.cpp (internal)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    parser.add_argument("--threads-batch", type=int, default=None)
    parser.add_argument("--poll", type=int, default=DEFAULT_POLL)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    try:
        _serve(args.model, args.ctx, args.threads, args.threads_batch or args.threads,
               args.poll, args.seed)
    except BaseException as exc:  # report one line in the log, exit without finalizers
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        os._exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
