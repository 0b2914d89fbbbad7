"""QA results by question kind and trap, and the questions answered wrongly.

    .venv/bin/python evals/qa_breakdown.py RUN.json [--gold evals/gold/dev/qa.yaml] [-v]

RUN.json is the ``-o`` output of ``agent eval --suite qa``. Prints, per kind (person,
organisation, date, number, list…) and per trap (absent, other_year, other_entity), how
many were right, then (``-v``) every wrong one with the answer given.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from agent.evaluation.gold import load_qa_gold

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--gold", type=Path, default=ROOT / "evals/gold/dev/qa.yaml")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    gold = {item.id: item for item in load_qa_gold(args.gold).items}
    rows = json.loads(args.run.read_text(encoding="utf-8"))["details"]["qa"]["questions"]
    groups: dict[str, list[bool]] = defaultdict(list)
    wrong: list[tuple[str, dict]] = []
    latencies = [r["latency_s"] for r in rows if r.get("latency_s") is not None]
    for row in rows:
        item = gold.get(row["id"])
        if item is None:
            continue
        ok = bool(row.get("correct") if item.answerable else row.get("correct_refusal"))
        label = (f"answerable/{item.kind or '-'}" if item.answerable
                 else f"unanswerable/{item.trap or '-'}")
        groups[label].append(ok)
        groups["answerable" if item.answerable else "unanswerable"].append(ok)
        if not ok:
            wrong.append((label, row))
    for label in sorted(groups):
        oks = groups[label]
        print(f"{label:<28} {sum(oks):>3}/{len(oks):<3} {sum(oks) / len(oks):.2f}")
    if latencies:
        print(f"latency p50 {statistics.median(latencies):.1f} s over {len(latencies)} questions")
    if args.verbose:
        for label, row in wrong:
            print(f"\n{row['id']} [{label}] {row['question']}")
            print(f"  gold: {row.get('gold_answer')}")
            print(f"  got:  {'(refused) ' if not row.get('answerable') else ''}{row.get('answer')}")
            if row.get("missing_facts"):
                print(f"  missing: {row['missing_facts']}")


if __name__ == "__main__":
    main()
