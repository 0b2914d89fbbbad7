"""Embedded model speed by llama.cpp thread settings, on a quiet machine and beside one
core-bound process (what a shared 2-core laptop or CI box looks like).

For each setting the server is started once; the same extraction-sized request
(~500 prompt tokens, 128 generated, temperature 0, no response cache) runs ``--repeat``
times quiet, then as often while a Python busy loop holds one core. Prints generation and
prompt tokens/s (medians) and the busy/quiet ratio.

    .venv/bin/python evals/bench_threads.py [--repeat 3] [--settings 2:2:50,1:1:50,...]

A setting is ``threads:threads_batch:poll``, or ``auto``: what the agent does by default,
threads chosen from the cores free when the server starts (for the busy figures the
server is started again after the busy process, as a command run on a busy machine
would).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

PROMPT = (
    "请阅读下面的新闻段落，列出其中提到的所有单位名称，用顿号分隔。\n"
    + "2023年8月6日，全国职业院校技能大赛高职组嵌入式系统应用开发赛项在湖北工程职业学院开赛。"
    "大赛由教育部、科技部、工业和信息化部等部门主办，湖北省教育厅、黄石市人民政府承办，"
    "湖北工程职业学院和百科荣创（北京）科技发展有限公司协办。来自全国30个省份的69支队伍"
    "200多名选手参赛。" * 3
)


def _busy(stop: Any) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 31 + 7) % 1000003


def _one(base_url: str) -> tuple[float, float]:
    """(generation tok/s, prompt tok/s) of one request, from the server's own timings."""
    import httpx

    t0 = time.perf_counter()
    r = httpx.post(f"{base_url}/chat/completions", timeout=600, json={
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": 128, "temperature": 0, "cache_prompt": False,
    })
    r.raise_for_status()
    data = r.json()
    timings = data.get("timings") or {}
    if timings:
        return float(timings["predicted_per_second"]), float(timings["prompt_per_second"])
    elapsed = time.perf_counter() - t0
    return data["usage"]["completion_tokens"] / elapsed, float("nan")


def measure(model: Path, threads: int, threads_batch: int, poll: int,
            repeat: int) -> dict[str, float]:
    from agent.llm.embedded import EmbeddedServer

    with tempfile.TemporaryDirectory() as logs:
        server = EmbeddedServer(model, log_dir=Path(logs), n_ctx=4096, threads=threads,
                                threads_batch=threads_batch, poll=poll)
        with server:
            url = server.base_url
            _one(url)  # warm-up
            quiet = [_one(url) for _ in range(repeat)]
            stop = multiprocessing.Event()
            hog = multiprocessing.Process(target=_busy, args=(stop,), daemon=True)
            hog.start()
            try:
                time.sleep(1.0)
                busy = [_one(url) for _ in range(repeat)]
            finally:
                stop.set()
                hog.join(5)
    q_gen = statistics.median(g for g, _ in quiet)
    b_gen = statistics.median(g for g, _ in busy)
    return {"quiet_gen": q_gen, "busy_gen": b_gen,
            "quiet_prompt": statistics.median(p for _, p in quiet),
            "busy_prompt": statistics.median(p for _, p in busy),
            "kept": b_gen / q_gen}


def _run(model: Path, threads: int, threads_batch: int, poll: int,
         repeat: int) -> list[tuple[float, float]]:
    from agent.llm.embedded import EmbeddedServer

    with tempfile.TemporaryDirectory() as logs:
        server = EmbeddedServer(model, log_dir=Path(logs), n_ctx=4096, threads=threads,
                                threads_batch=threads_batch, poll=poll)
        with server:
            _one(server.base_url)  # warm-up
            return [_one(server.base_url) for _ in range(repeat)]


def measure_auto(model: Path, repeat: int) -> tuple[dict[str, float], int, int]:
    """The default: threads picked at server start, quiet and with the busy loop running."""
    from agent.llm.cpu import auto_threads

    quiet_threads = auto_threads()
    quiet = _run(model, quiet_threads, quiet_threads, 50, repeat)
    stop = multiprocessing.Event()
    hog = multiprocessing.Process(target=_busy, args=(stop,), daemon=True)
    hog.start()
    try:
        time.sleep(1.0)
        busy_threads = auto_threads()
        busy = _run(model, busy_threads, busy_threads, 50, repeat)
    finally:
        stop.set()
        hog.join(5)
    q_gen = statistics.median(g for g, _ in quiet)
    b_gen = statistics.median(g for g, _ in busy)
    return ({"quiet_gen": q_gen, "busy_gen": b_gen,
             "quiet_prompt": statistics.median(p for _, p in quiet),
             "busy_prompt": statistics.median(p for _, p in busy),
             "kept": b_gen / q_gen}, quiet_threads, busy_threads)


def main() -> None:
    from agent.core.config import load_settings
    from agent.llm.weights import ensure_weights

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--settings", default="auto,2:2:50,1:1:50")
    args = parser.parse_args()
    settings = load_settings()
    model = ensure_weights(settings)
    print(f"{'threads':>7} {'batch':>5} {'poll':>4} | {'gen quiet':>9} {'gen busy':>8} "
          f"{'kept':>5} | {'prompt quiet':>12} {'prompt busy':>11}")
    for spec in args.settings.split(","):
        if spec == "auto":
            r, quiet_t, busy_t = measure_auto(Path(model), args.repeat)
            label = f"auto {quiet_t}/{busy_t}"
            print(f"{label:>13} {'':>4} | {r['quiet_gen']:>9.1f} {r['busy_gen']:>8.1f} "
                  f"{r['kept']:>5.2f} | {r['quiet_prompt']:>12.1f} {r['busy_prompt']:>11.1f}",
                  flush=True)
            continue
        t, tb, poll = (int(x) for x in spec.split(":"))
        r = measure(Path(model), t, tb, poll, args.repeat)
        print(f"{t:>7} {tb:>5} {poll:>4} | {r['quiet_gen']:>9.1f} {r['busy_gen']:>8.1f} "
              f"{r['kept']:>5.2f} | {r['quiet_prompt']:>12.1f} {r['busy_prompt']:>11.1f}",
              flush=True)


if __name__ == "__main__":
    main()
