"""Extraction against a served model: throughput by requests in flight.

A stub OpenAI-compatible server on 127.0.0.1, in a process of its own as a real endpoint
would be (sharing this process's interpreter lock would slow the client), answers every
call after a fixed latency
(``--latency``, 0.5 s) with an empty but valid extraction; the reports of
``../shared/corpus/crud_news`` are ingested once into a temporary store, then summarised
with ``concurrency`` 1, 4, 16 and 32 from an empty response cache. Ideal wall time is
calls × latency / concurrency; the ratio ideal / measured shows what the pipeline loses to
its own work and to waiting. One untimed pass first loads what a process loads once
(jieba's dictionary, the word lists, the HTTP client), which is no cost of concurrency.

``--news N`` summarises instead the first N reports of ``news_20k.jsonl.gz`` that the
code-only relevance pass keeps (a batch of the size a user summarises; with 60 reports
the last round of calls, partly empty, weighs on the ratio).

    .venv/bin/python evals/bench_concurrency.py [--latency 0.5] [--levels 1,4,16,32] [--news 240]
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS = SHARED / "corpus" / "crud_news"
NEWS = SHARED / "benchmarks" / "crud_news" / "news_20k.jsonl.gz"
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


def _news_folder(folder: Path, n: int) -> Path:
    """The first ``n`` reports of the 20k news set that the code-only relevance pass keeps
    (a passage about the topic or one the model would judge), written as text files."""
    from agent.extract.relevance import passages
    from agent.ingest.cleaning import document_from_text

    folder.mkdir(parents=True)
    kept = 0
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = record["text"].replace("\r\n", "\n")
            doc = document_from_text(text, path=record["id"] + ".txt", doc_id=record["id"])
            if any(p.verdict in ("topic", "uncertain") for p in passages(doc)):
                (folder / f"{record['id']}.txt").write_text(text, encoding="utf-8")
                kept += 1
                if kept >= n:
                    break
    return folder


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
    parser.add_argument("--news", type=int, default=0,
                        help="summarise this many topical reports of the 20k news set instead")
    args = parser.parse_args()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    stub = multiprocessing.Process(target=_serve, args=(args.latency, ports), daemon=True)
    stub.start()
    port = ports.get(timeout=30)
    with tempfile.TemporaryDirectory() as tmp:
        base = {"store": Path(tmp) / "store", "base_url": f"http://127.0.0.1:{port}/v1",
                "api_key": "k", "model": "stub"}
        store = Store(load_settings({**base, "cache_dir": Path(tmp) / "cache0"}))
        corpus = _news_folder(Path(tmp) / "news", args.news) if args.news else args.corpus
        ingest(store, [corpus])
        documents = store.documents()
        print(f"{len(documents)} reports from {corpus.name}, stub latency {args.latency:g}s")
        warm = load_settings({**base, "concurrency": 4, "cache_dir": Path(tmp) / "warm"})
        with LLM.from_settings(warm, "bench") as llm:
            summarize(store, llm, documents[:8])
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
