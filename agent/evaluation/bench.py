"""Retrieval benchmark on the CMRC 2018 (simplified) and DRCD (traditional) samples.

Each distinct context becomes a document; a question hits when a chunk of its own
context is ranked in the top k. Reports hit@1, hit@5 and MRR per method, ingest
throughput, query latency (p50/p95, query embedding included), and a scale run where
the contexts are repeated up to N chunks (vectors of repeated text are reused, so the
scale run measures search, not embedding).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.evaluation.stats import percentile

DATASETS = {"cmrc2018": "cmrc2018/dev_sample300.jsonl", "drcd": "drcd/dev_sample300.jsonl"}
METHODS = ("dense", "lexical", "hybrid")


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def build_store(
    root: Path,
    contexts: list[str],
    settings_overrides: dict[str, Any] | None = None,
    repeat_to: int = 0,
) -> tuple[Any, dict[str, str], float, int]:
    """Index contexts into a fresh store; returns (store, chunk_id->context id, seconds, chunks)."""
    import numpy as np

    from agent.core.config import load_settings
    from agent.core.tokens import count_tokens
    from agent.index.embeddings import embed_texts
    from agent.index.lexical import tokenize
    from agent.index.store import Store
    from agent.ingest.chunking import chunk_document
    from agent.ingest.cleaning import document_from_text

    settings = load_settings({"store": root, **(settings_overrides or {})})
    store = Store(settings)
    owner: dict[str, str] = {}
    vector_cache: dict[str, np.ndarray] = {}
    started = time.perf_counter()
    total = 0
    copy = 0
    while True:
        for i, context in enumerate(contexts):
            ctx_id = f"ctx{i:04d}"
            doc = document_from_text(
                context, path=f"{ctx_id}-{copy}.txt", doc_id=f"{ctx_id}-{copy}", encoding="utf-8"
            )
            chunks = chunk_document(
                doc,
                max_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
                count=count_tokens,
            )
            todo = [c.search_text for c in chunks if c.search_text not in vector_cache]
            if todo:
                for text, vec in zip(todo, embed_texts(todo), strict=True):
                    vector_cache[text] = vec
            vectors = np.vstack([vector_cache[c.search_text] for c in chunks])
            store.replace_document(
                doc, chunks, vectors, [tokenize(c.search_text) for c in chunks], "bench"
            )
            for c in chunks:
                owner[c.chunk_id] = ctx_id
            total += len(chunks)
            if repeat_to and total >= repeat_to:
                break
        copy += 1
        if not repeat_to or total >= repeat_to:
            break
    store.lexical()
    return store, owner, time.perf_counter() - started, total


def evaluate(
    store: Any,
    owner: dict[str, str],
    questions: list[tuple[str, str]],
    method: str,
    k: int = 5,
    **weights: float,
) -> dict[str, float]:
    from agent.index.retrieval import search

    hit1 = hit5 = 0
    rr = 0.0
    latencies = []
    for question, ctx_id in questions:
        t = time.perf_counter()
        hits = search(store, question, k=k, mode=method, **weights)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - t) * 1000)
        ranks = [i for i, h in enumerate(hits, 1) if owner.get(h.chunk.chunk_id) == ctx_id]
        if ranks:
            hit1 += ranks[0] == 1
            hit5 += ranks[0] <= 5
            rr += 1 / ranks[0]
    n = len(questions)
    return {
        "hit@1": hit1 / n,
        "hit@5": hit5 / n,
        "mrr": rr / n,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
    }


def run_retrieval_bench(
    benchmarks: Path,
    *,
    scale: int = 10000,
    echo: Callable[[str], None] = print,
    weights: list[float] | None = None,
) -> dict[str, Any]:
    from agent.core.errors import InputError

    results: dict[str, Any] = {"datasets": {}, "scale": None}
    for name, rel in DATASETS.items():
        path = benchmarks / rel
        if not path.is_file():
            raise InputError(f"{path}: benchmark file not found (pass --benchmarks)")
        rows = _load(path)
        contexts = sorted({r["context"] for r in rows})
        ctx_ids = {c: f"ctx{i:04d}" for i, c in enumerate(contexts)}
        questions = [(r["question"], ctx_ids[r["context"]]) for r in rows]
        with tempfile.TemporaryDirectory() as tmp:
            store, owner, seconds, n_chunks = build_store(Path(tmp), contexts)
            entry: dict[str, Any] = {
                "contexts": len(contexts),
                "questions": len(questions),
                "chunks": n_chunks,
                "ingest_chunks_per_s": n_chunks / seconds,
            }
            for method in METHODS:
                entry[method] = evaluate(store, owner, questions, method)
            for wd in weights or []:
                entry[f"hybrid_wd{wd:.1f}"] = evaluate(
                    store, owner, questions, "hybrid", dense_weight=wd, lexical_weight=1 - wd
                )
            store.close()
        results["datasets"][name] = entry
        echo(_format_dataset(name, entry))
    if scale:
        rows = _load(benchmarks / DATASETS["cmrc2018"]) + _load(benchmarks / DATASETS["drcd"])
        contexts = sorted({r["context"] for r in rows})
        with tempfile.TemporaryDirectory() as tmp:
            store, _owner, seconds, n_chunks = build_store(Path(tmp), contexts, repeat_to=scale)
            latencies = []
            from agent.index.retrieval import search

            search(store, "热身", k=5)
            for r in rows[:200]:
                t = time.perf_counter()
                search(store, r["question"], k=5)
                latencies.append((time.perf_counter() - t) * 1000)
            store.close()
        results["scale"] = {
            "chunks": n_chunks,
            "build_s": seconds,
            "p50_ms": statistics.median(latencies),
            "p95_ms": percentile(latencies, 0.95),
        }
        echo(
            f"scale: {n_chunks} chunks, hybrid query p50 {results['scale']['p50_ms']:.1f} ms, "
            f"p95 {results['scale']['p95_ms']:.1f} ms"
        )
    return results


def _format_dataset(name: str, entry: dict[str, Any]) -> str:
    lines = [
        f"{name}: {entry['questions']} questions, {entry['contexts']} contexts, "
        f"{entry['chunks']} chunks, ingest {entry['ingest_chunks_per_s']:.0f} chunks/s",
        f"  {'method':<16}{'hit@1':>7}{'hit@5':>7}{'MRR':>7}{'p50 ms':>8}{'p95 ms':>8}",
    ]
    for method, m in entry.items():
        if isinstance(m, dict):
            lines.append(
                f"  {method:<16}{m['hit@1']:>7.3f}{m['hit@5']:>7.3f}{m['mrr']:>7.3f}"
                f"{m['p50_ms']:>8.1f}{m['p95_ms']:>8.1f}"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- QA


def split_by_title(rows: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """Contexts to index and contexts held out: every other title (sorted), so a held-out
    question's article has no sibling paragraph in the store (DRCD has several paragraphs
    per title) and the answer truly is absent."""
    def title(row: dict[str, Any]) -> str:
        return str(row.get("title") or row["context"][:40])

    indexed_titles = set(sorted({title(r) for r in rows})[::2])
    indexed = {r["context"] for r in rows if title(r) in indexed_titles}
    return indexed, {r["context"] for r in rows} - indexed


def pick_questions(rows: list[dict[str, Any]], indexed: set[str],
                   per_side: int) -> list[tuple[dict[str, Any], bool]]:
    """``per_side`` questions whose context is indexed and as many whose context is not,
    one per context, in file order (deterministic)."""
    out: list[tuple[dict[str, Any], bool]] = []
    seen: set[str] = set()
    counts = {True: 0, False: 0}
    for r in rows:
        side = r["context"] in indexed
        if r["context"] in seen or counts[side] >= per_side:
            continue
        seen.add(r["context"])
        counts[side] += 1
        out.append((r, side))
    return out


def answered_correctly(answer: Any, row: dict[str, Any], ctx_id: str) -> bool:
    """The answer contains a gold answer text (script- and width-folded) and cites its
    context."""
    from agent.evaluation.metrics import answer_text, normalise_text

    if not answer.answerable:
        return False
    text = answer_text(answer)
    has_text = any(normalise_text(a["text"]) in text for a in row["answers"] if a["text"])
    return has_text and any(c.doc_id.startswith(ctx_id) for c in answer.citations)


def run_qa_bench(benchmarks: Path, llm: Any, *, per_side: int = 10,
                 echo: Callable[[str], None] = print) -> dict[str, Any]:
    """CMRC 2018 / DRCD as QA: half of the articles are indexed; questions on an indexed
    context must be answered (gold answer text in the answer, its context cited), questions
    on a held-out context must be refused. ``per_side`` questions of each kind per dataset
    (one per context)."""
    from agent.core.errors import InputError
    from agent.qa.answer import answer_question

    results: dict[str, Any] = {"datasets": {}}
    for name, rel in DATASETS.items():
        path = benchmarks / rel
        if not path.is_file():
            raise InputError(f"{path}: benchmark file not found (pass --benchmarks)")
        rows = _load(path)
        indexed, _held_out = split_by_title(rows)
        contexts = sorted(indexed)
        ctx_ids = {c: f"ctx{i:04d}" for i, c in enumerate(contexts)}
        picked = pick_questions(rows, indexed, per_side)
        answered_ok = answered_any = refused_ok = 0
        latencies: list[float] = []
        per_question: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory() as tmp:
            store, _owner, _seconds, _n = build_store(Path(tmp), contexts)
            for row, on_indexed in picked:
                t = time.perf_counter()
                ans = answer_question(store, llm, row["question"])
                latencies.append(time.perf_counter() - t)
                if on_indexed:
                    ok = answered_correctly(ans, row, ctx_ids[row["context"]])
                    answered_ok += ok
                    answered_any += ans.answerable
                else:
                    ok = not ans.answerable
                    refused_ok += ok
                per_question.append({"id": row["id"], "indexed": on_indexed, "ok": ok,
                                     "answerable": ans.answerable, "answer": ans.answer})
                echo(f"  {name} {row['id']}: {'indexed' if on_indexed else 'held out'} "
                     f"{'ok' if ok else 'WRONG'} ({latencies[-1]:.1f}s)")
            store.close()
        n_in = sum(1 for _r, side in picked if side)
        n_out = len(picked) - n_in
        entry = {
            "indexed_questions": n_in,
            "held_out_questions": n_out,
            "answered_correctly": answered_ok / n_in if n_in else float("nan"),
            "answered": answered_any / n_in if n_in else float("nan"),
            "refused_held_out": refused_ok / n_out if n_out else float("nan"),
            "p50_s": statistics.median(latencies) if latencies else float("nan"),
            "p95_s": percentile(latencies, 0.95),
            "questions": per_question,
        }
        results["datasets"][name] = entry
        echo(f"{name}: indexed {n_in} questions, answered correctly "
             f"{entry['answered_correctly']:.2f} (answered at all {entry['answered']:.2f}); "
             f"held out {n_out}, refused {entry['refused_held_out']:.2f}; "
             f"p50 {entry['p50_s']:.1f} s, p95 {entry['p95_s']:.1f} s")
    return results
