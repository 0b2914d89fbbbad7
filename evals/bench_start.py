"""What a separate ``agent ask`` pays before the model writes: the embedded server's start
(child process, GGUF loaded, ready line) and the command's own start (interpreter,
imports, embedding model). Medians of ``--repeat`` runs; run it on a quiet machine.

    .venv/bin/python evals/bench_start.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _server_start(model: Path) -> float:
    from agent.llm.embedded import EmbeddedServer

    with tempfile.TemporaryDirectory() as logs:
        t0 = time.perf_counter()
        server = EmbeddedServer(model, log_dir=Path(logs), n_ctx=8192, threads=2)
        server.start()
        elapsed = time.perf_counter() - t0
        server.stop()
    return elapsed


def _command(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "agent", *args], check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    from agent.core.config import load_settings
    from agent.llm.weights import ensure_weights

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    model = Path(ensure_weights(load_settings()))
    rows = {
        "agent --help (interpreter + CLI)": lambda: _command(["--help"]),
        "agent search (+ store, embedding model)": lambda: _command(
            ["--store", str(Path(tempfile.gettempdir()) / "bench-start-store"), "search",
             "职业教育"]),
        "embedded server start to ready": lambda: _server_start(model),
    }
    for name, run in rows.items():
        times = [run() for _ in range(args.repeat)]
        print(f"{name:<42} median {statistics.median(times):5.1f}s  "
              f"({', '.join(f'{t:.1f}' for t in times)})", flush=True)


if __name__ == "__main__":
    main()
