"""Scale benchmark on 20,000 real news reports (issue: speed and scale).

    .venv/bin/python evals/bench_scale.py [--sizes 1000,5000,20000] [--queries 50]

Writes the first reports of ``news_20k.jsonl.gz`` as text files (what a user's folder of
collected news looks like) and ingests them in stages into one store — the first 1,000,
then up to 5,000, then up to 20,000 — each stage in its own process, and reports per stage:
chunks per second of that stage's ingest, the process's peak RSS, the store's size on disk,
and hybrid query latency p50/p95 over questions of the development QA set (query
embedding included, after one warm-up query). Then the relevance pass that runs before any
model work (``agent.extract.relevance``, no model call) over all reports: time per report,
reports kept, and precision/recall against ``evals/gold/scale/relevance.json``, a
stratified hand-labelled sample weighted back to the whole corpus.

Nothing here is a test: it prints figures (and ``--json`` writes them).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/benchmarks/crud_news/news_20k.jsonl.gz"
LABELS = ROOT / "evals/gold/scale/relevance.json"
QUESTIONS = ROOT / "evals/gold/dev/qa.yaml"


def _records(path: Path, n: int) -> list[dict[str, str]]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(out) >= n:
                break
            out.append(json.loads(line))
    return out


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _percentile(values: list[float], q: float) -> float:
    from agent.evaluation.stats import percentile

    return percentile(values, q)


def stage(store_dir: Path, folder: Path, queries: list[str]) -> dict[str, Any]:
    """One ingest stage in this process: ingest ``folder`` into the store, then time
    hybrid queries on the whole store."""
    from agent.core.config import load_settings
    from agent.index.retrieval import search
    from agent.index.store import Store
    from agent.ingest.pipeline import ingest

    store = Store(load_settings({"store": store_dir}))
    started = time.perf_counter()
    report = ingest(store, [folder])
    seconds = time.perf_counter() - started
    new_chunks = sum(r.chunks for r in report.results if r.status == "added")
    docs, chunks = store.counts()
    search(store, queries[0], k=5, mode="hybrid")  # warm-up: BM25 index and model loaded
    latencies = []
    for q in queries:
        t = time.perf_counter()
        search(store, q, k=5, mode="hybrid")
        latencies.append((time.perf_counter() - t) * 1000)
    store.close()
    return {
        "documents": docs,
        "chunks": chunks,
        "added_documents": report.count("added"),
        "added_chunks": new_chunks,
        "ingest_s": round(seconds, 2),
        "chunks_per_s": round(new_chunks / seconds, 1) if seconds else 0.0,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "store_mib": round(_dir_bytes(store_dir) / 2**20, 1),
        "query_p50_ms": round(statistics.median(latencies), 1),
        "query_p95_ms": round(_percentile(latencies, 0.95), 1),
    }


def relevance(records: list[dict[str, str]], labels_path: Path) -> dict[str, Any]:
    """The code-only relevance pass over every report, scored against the weighted sample:
    'topic' keeps reports with a passage about the topic by code alone; 'candidates' also
    keeps reports with an uncertain passage (the model judges those during extraction)."""
    from agent.extract.relevance import passages
    from agent.ingest.cleaning import document_from_text

    data = json.loads(labels_path.read_text(encoding="utf-8"))
    weight = {k: v["size"] / v["sampled"] for k, v in data["strata"].items()}
    gold = {x["id"]: (x["relevant"], weight[x["stratum"]]) for x in data["labels"]}
    verdicts: dict[str, set[str]] = {}
    started = time.perf_counter()
    for r in records:
        doc = document_from_text(r["text"].replace("\r\n", "\n"), path=r["id"] + ".txt",
                                 doc_id=r["id"])
        verdicts[r["id"]] = {p.verdict for p in passages(doc)}
    seconds = time.perf_counter() - started
    gold = {i: g for i, g in gold.items() if i in verdicts}  # weights hold for all 20k only
    out: dict[str, Any] = {"reports": len(records),
                           "ms_per_report": round(seconds / len(records) * 1000, 2)}
    for name, kept in (("topic", {"topic"}), ("candidates", {"topic", "uncertain"})):
        keep = {i for i, v in verdicts.items() if v & kept}
        tp = sum(w for i, (y, w) in gold.items() if y and i in keep)
        fp = sum(w for i, (y, w) in gold.items() if not y and i in keep)
        fn = sum(w for i, (y, w) in gold.items() if y and i not in keep)
        raw = [(y, i in keep) for i, (y, _) in gold.items()]
        out[name] = {
            "kept": len(keep),
            "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
            "sample": {"true_kept": sum(y and k for y, k in raw),
                       "false_kept": sum(k and not y for y, k in raw),
                       "true_missed": sum(y and not k for y, k in raw)},
        }
    out["labelled"] = len(gold)
    out["estimated_relevant"] = round(sum(w for y, w in gold.values() if y))
    return out


def _questions(n: int) -> list[str]:
    import yaml

    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["items"]
    return [x["question"] for x in items][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--stage", nargs=2, metavar=("STORE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    queries = _questions(args.queries)
    if args.stage:  # a child process: one ingest stage
        print(json.dumps(stage(Path(args.stage[0]), Path(args.stage[1]), queries)))
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    records = _records(args.data, sizes[-1])
    results: dict[str, Any] = {"stages": []}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        store_dir, previous = root / "store", 0
        for size in sizes:
            folder = root / f"reports-{size}"
            folder.mkdir()
            for r in records[previous:size]:
                (folder / f"{r['id']}.txt").write_text(r["text"], encoding="utf-8")
            child = subprocess.run(
                [sys.executable, __file__, "--stage", str(store_dir), str(folder),
                 "--queries", str(args.queries)],
                capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
            if child.returncode != 0:
                sys.exit(f"error: stage {size} failed:\n{child.stderr[-2000:]}")
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            results["stages"].append({"reports": size, **figures})
            print(f"{size:>6} reports: {figures['chunks']} chunks, ingest of "
                  f"{figures['added_documents']} reports {figures['ingest_s']} s "
                  f"({figures['chunks_per_s']} chunks/s), peak RSS {figures['peak_rss_mib']} MiB, "
                  f"store {figures['store_mib']} MiB, hybrid p50 {figures['query_p50_ms']} ms "
                  f"p95 {figures['query_p95_ms']} ms", flush=True)
            shutil.rmtree(folder)
            previous = size
    first, last = results["stages"][0], results["stages"][-1]
    growth = last["reports"] / first["reports"]
    results["growth"] = {
        "reports": growth,
        "store": round(last["store_mib"] / first["store_mib"], 2),
        "query_p50": round(last["query_p50_ms"] / first["query_p50_ms"], 2),
        "chunks_per_s": round(last["chunks_per_s"] / first["chunks_per_s"], 2),
    }
    g = results["growth"]
    print(f"growth {first['reports']} → {last['reports']} reports (×{growth:.0f}): store "
          f"×{g['store']}, hybrid p50 ×{g['query_p50']}, ingest chunks/s ×{g['chunks_per_s']}")
    rel = relevance(records, args.labels)
    results["relevance"] = rel
    for name in ("topic", "candidates"):
        r = rel[name]
        print(f"relevance pass '{name}': {r['kept']} of {rel['reports']} reports kept, "
              f"precision {r['precision']}, recall {r['recall']} (weighted; sample "
              f"{r['sample']}), {rel['ms_per_report']} ms a report")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
