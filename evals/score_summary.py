"""Score a saved ``agent summarize --json`` run against extraction gold, without the model.

    .venv/bin/python evals/score_summary.py RUN.json [--gold evals/gold/dev/extraction.yaml]

Prints the extraction metrics (the same as ``agent eval --suite extraction``) and, with
``-v``, the missed and spurious items per document. Useful to compare two saved runs of
the same corpus side by side.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent.evaluation.gold import load_extraction_gold
from agent.evaluation.metrics import evaluate_extraction
from agent.extract.schemas import DocumentExtraction

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=Path)
    parser.add_argument("--gold", type=Path, default=ROOT / "evals/gold/dev/extraction.yaml")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    data = json.loads(args.run.read_text(encoding="utf-8"))
    docs = [DocumentExtraction.model_validate(d) for d in data["documents"]]
    report = evaluate_extraction(load_extraction_gold(args.gold), docs)
    for key, value in sorted(report.metrics().items()):
        print(f"{key:45s} {value:.3f}")
    if args.verbose:
        for file, kind, label in report.missed:
            print(f"missed   {file} {kind}: {label}")
        for file, kind, label in report.spurious:
            print(f"spurious {file} {kind}: {label}")


if __name__ == "__main__":
    main()
