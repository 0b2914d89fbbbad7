"""Check one annotation part file: every quote / amount_text / key fact is in its file.

Usage: python3 evals/gold/dev/check_part.py evals/gold/dev/extraction_part1.yaml
       python3 evals/gold/dev/check_part.py evals/gold/dev/qa_part1.yaml
"""

import sys
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "crud_news"


def main(path: str) -> int:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    problems = []
    for doc in data.get("documents", []):
        text = (CORPUS / doc["file"]).read_text(encoding="utf-8")
        if not doc.get("relevant", True) and any(doc.get(k) for k in ("events", "alliances", "targets")):
            problems.append(f"{doc['file']}: relevant: false but has items")
        for kind in ("events", "alliances", "targets"):
            for item in doc.get(kind) or []:
                label = item.get("name") or item.get("metric") or item.get("description")
                for q in item.get("evidence") or []:
                    if q not in text:
                        problems.append(f"{doc['file']} {label}: evidence not in file: {q!r}")
                if kind == "targets" and item.get("amount_text") not in text:
                    problems.append(f"{doc['file']} {label}: amount_text not in file")
                if not item.get("evidence"):
                    problems.append(f"{doc['file']} {label}: no evidence")
    for item in data.get("items", []):
        texts = [(CORPUS / f).read_text(encoding="utf-8") for f in item.get("documents", [])]
        for fact in item.get("key_facts", []):
            alts = fact if isinstance(fact, list) else [fact]
            if not any(a in t for a in alts for t in texts):
                problems.append(f"{item['id']}: key fact not in supporting files: {fact!r}")
    for p in problems:
        print(p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
