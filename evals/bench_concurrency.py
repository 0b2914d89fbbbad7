"""Extraction against a served model: throughput by requests in flight.

A stub OpenAI-compatible server on 127.0.0.1, in a process of its own as a real endpoint
would be (sharing this process's interpreter lock would slow the client), answers every
call after a fixed latency
(``--latency``, 0.5 s) with an empty but valid extraction; the reports of
``../shared/corpus/crud_news`` are ingested once into a temporary store, then summarised
with ``concurrency`` 1, 4, 16 and 32 from an empty response cache. Ideal wall time is
calls × latency / concurrency; the ratio ideal / measured shows what the pipeline loses to
its own work and to waiting.

    .venv/bin/python evals/bench_concurrency.py [--latency 0.5] [--levels 1,4,16,32]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "crud_news"
# Valid for every structured call extraction makes (extra keys are ignored).
ANSWER = json.dumps({"alliances": [], "events": [], "category": "职业教育与技能"},
                    ensure_ascii=False)


class _Stub(BaseHTTPRequestHandler):
    latency = 0.5
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # the only method the client uses
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.latency)
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": ANSWER}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(latency: float, ports: multiprocessing.Queue[int]) -> None:
    _Stub.latency = latency
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    ports.put(server.server_port)
    server.serve_forever()


def main() -> None:
    from agent.core.config import load_settings
    from agent.extract.summarize import summarize
    from agent.index.store import Store
    from agent.ingest.pipeline import ingest
    from agent.llm.client import LLM

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--levels", default="1,4,16,32")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    stub = multiprocessing.Process(target=_serve, args=(args.latency, ports), daemon=True)
    stub.start()
    port = ports.get(timeout=30)
    with tempfile.TemporaryDirectory() as tmp:
        base = {"store": Path(tmp) / "store", "base_url": f"http://127.0.0.1:{port}/v1",
                "api_key": "k", "model": "stub"}
        store = Store(load_settings({**base, "cache_dir": Path(tmp) / "cache0"}))
        ingest(store, [args.corpus])
        documents = store.documents()
        print(f"{len(documents)} reports, stub latency {args.latency:g}s")
        print(f"{'in flight':>9} {'calls':>6} {'wall s':>7} {'ideal s':>7} {'ratio':>6}")
        for level in (int(x) for x in args.levels.split(",")):
            settings = load_settings({**base, "concurrency": level,
                                      "cache_dir": Path(tmp) / f"cache{level}"})
            run_store = Store(settings)
            with LLM.from_settings(settings, "bench") as llm:
                t0 = time.perf_counter()
                run = summarize(run_store, llm, run_store.documents())
                wall = time.perf_counter() - t0
            calls = int(run.usage["calls"])
            ideal = calls * args.latency / level
            print(f"{level:>9} {calls:>6} {wall:>7.1f} {ideal:>7.1f} {ideal / wall:>6.2f}",
                  flush=True)
    stub.terminate()


if __name__ == "__main__":
    main()
