"""Passage relevance (agent/extract/relevance.py) measured against the extraction gold.

Labels come from the gold, not from the rule: a sentence holding (part of) a gold item's
evidence is on the topic; every sentence of a document marked ``relevant: false`` is off
the topic; other sentences are unlabeled. A sentence is kept when its passage's verdict
is ``topic`` (by code) or, with ``--judge``, an ``uncertain`` passage the model accepts.
Prints sentence recall, off-topic sentences kept, and documents with anything kept.

    .venv/bin/python evals/bench_relevance.py [--corpus DIR] [--judge]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from agent.evaluation.gold import ExtractionGold, load_extraction_gold
from agent.extract.relevance import Judge, passage_relevance, passages
from agent.ingest.chunking import split_sentences
from agent.ingest.cleaning import load_document

ROOT = Path(__file__).resolve().parents[1]


def report(name: str, gold: ExtractionGold, corpus: Path, judge: Judge | None) -> None:
    tp = fn = fp = neg = 0
    kept_docs = {True: 0, False: 0}
    n_docs = {True: 0, False: 0}
    uncertain = 0
    missed_in: set[str] = set()
    wrong_docs: list[str] = []
    for gdoc in gold.documents:
        doc = load_document(corpus / gdoc.file)
        uncertain += sum(1 for p in passages(doc) if p.verdict == "uncertain")
        kept = passage_relevance(doc, judge)
        quotes = [q for it in [*gdoc.events, *gdoc.alliances, *gdoc.targets] for q in it.evidence]
        spans = []
        for q in quotes:
            at = doc.original.find(q)
            if at >= 0:
                spans.append((doc.cleaned_index(at), doc.cleaned_index(at + len(q))))
        for s, e in split_sentences(doc.text):
            on = any(a <= s < b for a, b in kept)
            if not gdoc.relevant:
                neg += 1
                fp += on
            elif any(a < e and s < b for a, b in spans):
                tp += on
                fn += not on
                if not on:
                    missed_in.add(gdoc.file)
        n_docs[gdoc.relevant] += 1
        kept_docs[gdoc.relevant] += bool(kept)
        if bool(kept) != gdoc.relevant:
            wrong_docs.append(("missed " if gdoc.relevant else "kept   ") + gdoc.file)
    print(f"{name}: {len(gold.documents)} documents, {uncertain} uncertain passages")
    print(f"  on-topic sentences kept {tp}/{tp + fn} (recall {tp / max(1, tp + fn):.3f}); "
          f"off-topic sentences kept {fp}/{neg}")
    print(f"  documents with passages kept: relevant {kept_docs[True]}/{n_docs[True]}, "
          f"off-topic {kept_docs[False]}/{n_docs[False]}")
    for line in wrong_docs:
        print(f"    {line}")
    if missed_in:
        print(f"  on-topic sentences missed in: {', '.join(sorted(missed_in))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/crud_news")
    parser.add_argument("--judge", action="store_true",
                        help="ask the embedded model about uncertain passages")
    args = parser.parse_args()
    judge = None
    llm = None
    if args.judge:
        from agent.core.config import load_settings
        from agent.extract.relevance_judge import model_judge
        from agent.llm.client import LLM

        llm = LLM.from_settings(load_settings(), "bench")
        judge = model_judge(llm)
    t0 = time.perf_counter()
    try:
        report("development set", load_extraction_gold(ROOT / "evals/gold/dev/extraction.yaml"),
               args.corpus, judge)
        report("seeds", load_extraction_gold(ROOT / "evals/gold/extraction.yaml"),
               ROOT / "seeds", judge)
    finally:
        if llm is not None:
            llm.close()
    print(f"{time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
