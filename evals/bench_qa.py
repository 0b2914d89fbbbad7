"""Latency of ``agent ask`` (warm model) and chat time to first answer; prints p50/p95.

    .venv/bin/python evals/bench_qa.py [--store DIR] [--questions N]

Builds a store from ``seeds/`` in a temporary folder (unless ``--store`` is given), starts
the configured model once (load time reported separately), then answers each question
with an empty response cache (every call reaches the model) exactly as ``agent ask``
does. Chat: a question plus a follow-up through :class:`agent.qa.chat.ChatSession`; its
"time to first token" is the time from Enter to the first answer text on screen (answers
are shown only once verified, so this equals the answer latency; the rewrite step is
included for the follow-up).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "哈尔滨市产教融合共同体发展壮大到了多少个？",
    "2023年哈爾濱市職業教育活動周啟動儀式在哪裡舉行？",
    "中原经济区技工教育联盟成立大会由谁主持？",
    "齐齐哈尔近三年为全市中职学校投入了多少资金？",
    "齐齐哈尔组建了多少支为农服务小分队？",
    "绍兴数字工匠共育联盟成立大会在哪里召开？",
    "哈尔滨市属高职院校有几所？",
    "中原经济区技工教育联盟成立大会有多少人参加？",
    "齐齐哈尔九县（市）相继组建了多少个职教集团？",
    "2024年哈尔滨市职业教育活动周的主题是什么？",
    "冀南技师学院现有多少名在校生？",
    "齐齐哈尔的职教新区占地多少平方公里？",
]
CHAT = ["中原经济区技工教育联盟由哪所学校牵头建立？", "它的成立大会在哪天举办？"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    idx = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[idx]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    args = parser.parse_args()

    from agent.core.config import load_settings
    from agent.index.store import Store
    from agent.ingest.pipeline import ingest
    from agent.llm.cache import LLMCache
    from agent.llm.client import LLM
    from agent.qa.answer import answer_question
    from agent.qa.chat import ChatDB, ChatSession

    tmp = Path(tempfile.mkdtemp(prefix="bench_qa_"))
    store_dir = args.store or tmp / "store"
    settings = load_settings({"store": store_dir})
    store = Store(settings)
    if args.store is None:
        ingest(store, [ROOT / "seeds"])
    cache = LLMCache(tmp / "llm.sqlite")  # empty: every call reaches the model
    with LLM(settings, "bench-qa", cache=cache) as llm:
        t0 = time.monotonic()
        if llm.embedded:
            llm._ensure_base_url()
        print(f"model {llm.model} ready in {time.monotonic() - t0:.1f}s (incl. lock wait)")
        # Warm-up: the fixed prompt prefix gets cached by llama.cpp, as in a running session.
        answer_question(store, llm, "中原经济区技工教育联盟第一届理事会理事长是谁？")
        times: list[float] = []
        for q in QUESTIONS[: args.questions]:
            t = time.monotonic()
            a = answer_question(store, llm, q)
            dt = time.monotonic() - t
            times.append(dt)
            mark = "ok " if a.answerable else "ref"
            print(f"{dt:6.1f}s {mark} {q} → {a.answer[:60]}", flush=True)
        print(f"ask latency over {len(times)} questions: p50 {statistics.median(times):.1f}s, "
              f"p95 {pct(times, 95):.1f}s, max {max(times):.1f}s")
        db = ChatDB(tmp / "chat.sqlite")
        session = ChatSession(store, llm, db, session_id=db.new_session(str(store_dir)))
        for q in CHAT:
            t = time.monotonic()
            standalone = session.standalone(q)
            t_rewrite = time.monotonic() - t
            a = session.answer(q, standalone)
            dt = time.monotonic() - t
            print(f"chat: {q} → [{standalone}] ({t_rewrite:.1f}s rewrite) → {a.answer[:60]} "
                  f"| time to first answer token {dt:.1f}s")
        db.close()


if __name__ == "__main__":
    main()
